using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QRCoder;

namespace Hark.Server.Demos.QrLogin;

/// <summary>
/// Scan-to-log-in. The login page creates a ticket (<c>POST /api/qr-login</c>), shows its QR code and long-polls
/// <c>demo.qr.{ticket}</c>. The phone page (<c>/qr/{ticket}</c>) confirms through the identity provider, which calls back
/// <c>POST /api/qr-login/authorize</c> signed with a shared secret; the login page then trades its ticket and
/// browser key for a session cookie (<c>POST /api/qr-login/{ticket}/session</c>).
/// </summary>
internal static class QrLoginEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/qr-login", CreateAsync);
        app.MapGet("/api/qr-login/{ticket}", Get);
        app.MapPost("/api/qr-login/{ticket}/cancel", CancelAsync);
        app.MapPost("/api/qr-login/authorize", AuthorizeAsync);
        app.MapPost("/api/qr-login/{ticket}/session", SessionAsync);
        app.MapGet("/qr/{ticket}", (IWebHostEnvironment env) => TypedResults.PhysicalFile(Path.Combine(env.WebRootPath, "phone.html"), "text/html; charset=utf-8"));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, QrTickets tickets, IOptions<DemoOptions> options)
    {
        if (await tickets.CreateAsync(context.RequestAborted) is not var (ticket, cursor))
        {
            context.Response.Headers.RetryAfter = "30";
            return DemoProblem.Of(StatusCodes.Status503ServiceUnavailable, "too-many-tickets", "Too many login codes",
                $"{options.Value.MaxQrTickets} login codes are open; try again when some have expired.");
        }
        var phoneUrl = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/qr/{ticket.Id}?exp={ticket.Expires.ToUnixTimeSeconds()}";
        var png = PngByteQRCodeHelper.GetQRCode(phoneUrl, QRCodeGenerator.ECCLevel.M, 6);
        return TypedResults.Created($"/api/qr-login/{ticket.Id}", new
        {
            ticket = ticket.Id,
            channel = ticket.Channel,
            cursor,
            browserKey = ticket.BrowserKey,
            expires = ticket.Expires,
            phoneUrl,
            qr = "data:image/png;base64," + Convert.ToBase64String(png),
        });
    }

    private static IResult Get(string ticket, QrTickets tickets, TimeProvider time)
    {
        if (tickets.Find(ticket) is not { } found)
        {
            return Unknown(ticket);
        }
        var state = found.State == QrTicketState.Pending && time.GetUtcNow() >= found.Expires ? QrTicketState.Expired : found.State;
        return state == QrTicketState.Expired ? Expired() : TypedResults.Ok(new { ticket = found.Id, state = state.ToString().ToLowerInvariant(), expires = found.Expires });
    }

    private static async Task<IResult> CancelAsync(string ticket, QrTickets tickets) =>
        tickets.Find(ticket) is not { } found ? Unknown(ticket)
        : await tickets.MoveAsync(found, QrTicketState.Pending, QrTicketState.Cancelled) is { } state ? Refused(state)
        : TypedResults.NoContent();

    /// <summary>The identity provider's callback: <c>{"ticket","user"}</c>, signed (see <see cref="CallbackSignature"/>).</summary>
    private static async Task<IResult> AuthorizeAsync(HttpContext context, QrTickets tickets, DemoKeys keys, IOptions<DemoOptions> options, TimeProvider time)
    {
        var request = context.Request;
        if (request.ContentLength is null or > 4096)
        {
            return DemoProblem.Of(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Body too large", "The callback body is at most 4096 bytes, with a Content-Length.");
        }
        var body = new byte[request.ContentLength.Value];
        await request.Body.ReadExactlyAsync(body, context.RequestAborted);
        if (CallbackSignature.Check(keys.IdentityProvider, request.Headers[CallbackSignature.TimestampHeader], request.Headers[CallbackSignature.SignatureHeader],
            body, time.GetUtcNow(), options.Value.SignatureWindow) is { } why)
        {
            return DemoProblem.Of(StatusCodes.Status401Unauthorized, "bad-signature", "Callback not signed by the identity provider", why);
        }
        string? ticketId, user;
        try
        {
            using var document = JsonDocument.Parse(body);
            ticketId = document.RootElement.GetProperty("ticket").GetString();
            user = document.RootElement.GetProperty("user").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return DemoProblem.BadRequest("invalid-callback", "The body is {\"ticket\":\"…\",\"user\":\"…\"}.");
        }
        if (string.IsNullOrWhiteSpace(user) || user.Length > 64)
        {
            return DemoProblem.BadRequest("invalid-callback", "user is 1 to 64 characters.");
        }
        if (tickets.Find(ticketId ?? "") is not { } ticket)
        {
            return Unknown(ticketId ?? "");
        }
        return await tickets.MoveAsync(ticket, QrTicketState.Pending, QrTicketState.Authorized, user) is { } state
            ? Refused(state)
            : TypedResults.Ok(new { ticket = ticket.Id, state = "authorized", user });
    }

    private sealed record SessionRequest(string? BrowserKey);

    private static async Task<IResult> SessionAsync(string ticket, SessionRequest? body, HttpContext context, QrTickets tickets, DemoSession session)
    {
        if (tickets.Find(ticket) is not { } found)
        {
            return Unknown(ticket);
        }
        // Only the page that created the ticket holds its browser key: scanning someone else's code gains nothing.
        if (body?.BrowserKey is not { } key || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(found.BrowserKey)))
        {
            return DemoProblem.Of(StatusCodes.Status403Forbidden, "wrong-browser", "Not this browser's ticket", "The browser key does not match the ticket.");
        }
        if (await tickets.MoveAsync(found, QrTicketState.Authorized, QrTicketState.Used) is { } state)
        {
            return Refused(state);
        }
        session.SignIn(context.Response, found.User!);
        return TypedResults.Ok(new { user = found.User, next = "/signed-in.html" });
    }

    private static IResult Unknown(string ticket) =>
        DemoProblem.Of(StatusCodes.Status404NotFound, "unknown-ticket", "Unknown ticket", $"No login ticket '{(ticket.Length > 40 ? ticket[..40] + "…" : ticket)}'.");

    private static IResult Expired() =>
        DemoProblem.Of(StatusCodes.Status410Gone, "ticket-expired", "Ticket expired", "This login code has expired; show a new one.");

    private static IResult Refused(QrTicketState state) => state switch
    {
        QrTicketState.Expired => Expired(),
        QrTicketState.Cancelled => DemoProblem.Of(StatusCodes.Status409Conflict, "ticket-cancelled", "Ticket cancelled", "This login was cancelled on the phone."),
        QrTicketState.Pending => DemoProblem.Of(StatusCodes.Status409Conflict, "ticket-pending", "Not authorized yet", "The phone has not confirmed this login."),
        _ => DemoProblem.Of(StatusCodes.Status409Conflict, "ticket-used", "Ticket already used", "This login ticket was authorized already; it can be used once."),
    };
}
