using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Hark.Server.Demos.QrLogin;

/// <summary>
/// A stand-in for the identity provider's side of the phone flow: when the user confirms on the phone, the
/// provider (a third party in real life) calls the server's authorization endpoint with a signed callback.
/// It calls the server's own listening address over HTTP, exactly as a provider would, never the address a
/// request names (so it cannot be pointed elsewhere).
/// </summary>
internal static class IdentityProvider
{
    private sealed record Approval(string? Ticket, string? User);

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/idp/approve", ApproveAsync);

    private static async Task<IResult> ApproveAsync(Approval approval, IHttpClientFactory clients, IServer server, DemoKeys keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { ticket = approval.Ticket, user = approval.User });
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(OwnAddress(server), "/api/qr-login/authorize"))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Add(CallbackSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(CallbackSignature.SignatureHeader, CallbackSignature.Sign(keys.IdentityProvider, timestamp, body));
        using var response = await clients.CreateClient("idp").SendAsync(request, cancellationToken);
        // The phone sees the server's answer as the provider got it.
        var answer = await response.Content.ReadAsStringAsync(cancellationToken);
        return TypedResults.Content(answer, response.Content.Headers.ContentType?.ToString() ?? "application/json", statusCode: (int)response.StatusCode);
    }

    private static Uri OwnAddress(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new UriBuilder(address);
        if (uri.Host is "0.0.0.0" or "[::]" or "+" or "*")
        {
            uri.Host = "127.0.0.1";
        }
        return uri.Uri;
    }
}
