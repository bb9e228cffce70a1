using System.Globalization;
using Hark.Client;
using Hark.AspNetCore;
using Microsoft.Extensions.Options;

namespace Hark.Server.Demos.Mail;

/// <summary>
/// New-mail notifications. Signing in (<c>POST /api/session</c>) sets a session cookie and hands the page a
/// subscriber token for <c>demo.mail.{user}</c> (a protected channel); <c>POST /api/mail</c> sends a mail, which is a
/// publish to the recipient's channel. When the token expires the page's poll gets 401 and it stops.
/// </summary>
internal static class MailEndpoints
{
    public const string ChannelPattern = "demo.mail.*";

    /// <summary>A channel of the pattern, to check the settings with.</summary>
    public const string ExampleChannel = "demo.mail.example";

    private sealed record SignIn(string? User, double? Ttl);

    private sealed record Mail(string? To, string? From, string? Subject, string? Body);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/session", SignInAsync);
        app.MapGet("/api/me", (HttpContext context, DemoSession session) =>
            session.User(context.Request) is { } user ? TypedResults.Ok(new { user }) : Unauthorized());
        app.MapPost("/api/mail", SendAsync);
    }

    private static IResult SignInAsync(SignIn body, HttpContext context, DemoSession session, IOptions<DemoOptions> demo, IOptions<HarkOptions> hark, TimeProvider time)
    {
        if (!UserName.IsValid(body.User))
        {
            return DemoProblem.BadRequest("invalid-user", "user is 1 to 32 of a-z 0-9 . _ -.");
        }
        var lifetime = demo.Value.SessionLifetime;
        if (body.Ttl is { } ttl)
        {
            // A short session on request, so the expiry path can be seen (and tested) without waiting.
            if (!double.IsFinite(ttl) || ttl < 1 || ttl > lifetime.TotalSeconds)
            {
                return DemoProblem.BadRequest("invalid-ttl", $"ttl is 1 to {lifetime.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds.");
            }
            lifetime = TimeSpan.FromSeconds(ttl);
        }
        session.SignIn(context.Response, body.User!);
        var channel = "demo.mail." + body.User;
        var token = HarkSubscriberToken.Create(hark.Value.Subscribe.TokenKeys[0], [channel], lifetime, time);
        return TypedResults.Ok(new { user = body.User, channel, token, expires = time.GetUtcNow() + lifetime });
    }

    private static async Task<IResult> SendAsync(Mail mail, IHarkEngine engine, HttpContext context, DemoSession session, TimeProvider time)
    {
        if (!UserName.IsValid(mail.To))
        {
            return DemoProblem.BadRequest("invalid-recipient", "to is a user name: 1 to 32 of a-z 0-9 . _ -.");
        }
        if (string.IsNullOrWhiteSpace(mail.Subject) || mail.Subject.Length > 200 || (mail.Body?.Length ?? 0) > 10_000)
        {
            return DemoProblem.BadRequest("invalid-mail", "subject is 1 to 200 characters, body at most 10,000.");
        }
        var from = session.User(context.Request) ?? (string.IsNullOrWhiteSpace(mail.From) ? "someone" : mail.From.Trim());
        var payload = DemoPayload.Of(new
        {
            id = Guid.NewGuid().ToString("N"),
            from = from.Length > 64 ? from[..64] : from,
            subject = mail.Subject.Trim(),
            body = mail.Body ?? "",
            sent = time.GetUtcNow(),
        });
        var result = await engine.PublishAsync(new PublishRequest("demo.mail." + mail.To, "mail", payload), context.RequestAborted);
        return TypedResults.Accepted((string?)null, new { to = mail.To, seq = result.Seq, delivered = result.Subscribers });
    }

    private static IResult Unauthorized() =>
        DemoProblem.Of(StatusCodes.Status401Unauthorized, "signed-out", "Not signed in", "No session, or it has expired.");
}
