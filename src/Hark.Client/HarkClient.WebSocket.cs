using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Hark.Client;

public sealed partial class HarkClient
{
    /// <summary>
    /// Opens <c>GET /ws</c> through this client's <see cref="HttpClient"/> (its handlers, proxy and timeout apply to the
    /// upgrade) and sends the subscription's <c>subscribe</c> frame, with the cursor, the subscriber token, the grant and the client id in it:
    /// the socket, or (null, what the failure to open calls for).
    /// </summary>
    private async Task<(IEventStream? Stream, Attempt Attempt)> OpenSocketAsync(IReadOnlyList<string> channels, string? cursor, string? clientId,
        RetryPolicy retry, SubscriptionGrant grant, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // Pings that must be answered: a connection that died without a word is found out within about 35 s.
        socket.Options.KeepAliveInterval = SocketEventStream.KeepAliveInterval;
        socket.Options.KeepAliveTimeout = SocketEventStream.KeepAliveTimeout;
        try
        {
            await socket.ConnectAsync(SocketAddress(), _http, cancellationToken).ConfigureAwait(false);
            await socket.SendAsync(SubscribeFrame(channels, cursor, clientId, grant.Value), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            return (new SocketEventStream(socket, retry, grant), new Attempt([]));
        }
        catch (Exception e) when (WireEvents.IsNetworkError(e, cancellationToken))
        {
            var status = (int)socket.HttpStatusCode;
            var retryAfter = socket.HttpResponseHeaders?.TryGetValue("Retry-After", out var values) == true
                && int.TryParse(values.FirstOrDefault(), out var seconds) ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
            socket.Dispose();
            // No answer, or an upgrade that failed after it: the network's doing. Otherwise the server (or a proxy) said no
            // in HTTP, before the socket opened: 404 when it serves no sockets, 429 too many connections, 403 an Origin.
            return status is 0 or (int)HttpStatusCode.SwitchingProtocols
                ? (null, new Attempt([], retry.AfterNetworkError()))
                : (null, Attempt.Refused(status, null, $"{status} {(HttpStatusCode)status}: the server did not open a WebSocket at {SocketAddress()}", retryAfter, retry));
        }
    }

    /// <summary>The base address with <c>ws</c> or <c>wss</c> for its scheme and <c>/ws</c> after its path.</summary>
    private Uri SocketAddress()
    {
        var address = _http.BaseAddress!;
        return new UriBuilder(address)
        {
            Scheme = address.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs,
            Path = address.AbsolutePath.TrimEnd('/') + "/ws",
            Query = "",
        }.Uri;
    }

    private byte[] SubscribeFrame(IReadOnlyList<string> channels, string? cursor, string? clientId, string? grant)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "subscribe");
            json.WriteString("id", SocketEventStream.SubscriptionId);
            json.WriteStartArray("channels");
            foreach (var channel in channels)
            {
                json.WriteStringValue(channel);
            }
            json.WriteEndArray();
            if (cursor is not null)
            {
                json.WriteString("cursor", cursor);
            }
            if (_options.SubscriberToken is { Length: > 0 } token)
            {
                json.WriteString("token", token);
            }
            if (grant is not null)
            {
                json.WriteString("grant", grant);
            }
            if (clientId is not null)
            {
                json.WriteString("client", clientId);
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
