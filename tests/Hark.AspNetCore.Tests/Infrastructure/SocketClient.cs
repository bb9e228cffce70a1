using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>A WebSocket client of <c>/ws</c> for tests: JSON frames in and out, every wait bounded by the server's patience.</summary>
public sealed class SocketClient : IAsyncDisposable
{
    private readonly byte[] _buffer = new byte[1 << 20];

    private SocketClient(ClientWebSocket socket)
    {
        Socket = socket;
    }

    public ClientWebSocket Socket { get; }

    /// <summary>
    /// Opens <c>/ws?{query}</c>. <paramref name="receiveBuffer"/> sets the client socket's kernel receive buffer, which
    /// otherwise grows to megabytes on loopback: a small one makes a client that does not read felt by the server at once.
    /// </summary>
    public static async Task<SocketClient> ConnectAsync(HarkTestServer server, string query = "", Action<ClientWebSocketOptions>? options = null,
        int? receiveBuffer = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        options?.Invoke(socket.Options);
        var secure = server.Address.Scheme == Uri.UriSchemeHttps;
        var uri = new UriBuilder(server.Address) { Scheme = secure ? "wss" : "ws", Path = "/ws", Query = query }.Uri;
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        if (receiveBuffer is { } size)
        {
            using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var tcp = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { ReceiveBufferSize = size, NoDelay = true };
                    await tcp.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(tcp, ownsSocket: true);
                },
            });
            await socket.ConnectAsync(uri, invoker, timeout.Token);
        }
        else if (socket.Options.HttpVersion.Major >= 2)
        {
            // HTTP/2's extended CONNECT (RFC 8441): only through an invoker of the caller's.
            using var invoker = new HttpMessageInvoker(secure ? TestCertificate.TrustingHandler() : new SocketsHttpHandler());
            await socket.ConnectAsync(uri, invoker, timeout.Token);
        }
        else
        {
            if (secure)
            {
                socket.Options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
            }
            await socket.ConnectAsync(uri, timeout.Token);
        }
        return new SocketClient(socket);
    }

    /// <summary>The status the server answered an upgrade with, when it refused it.</summary>
    public static async Task<HttpStatusCode> RefusedAsync(HarkTestServer server, string query = "", Action<ClientWebSocketOptions>? options = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        options?.Invoke(socket.Options);
        var secure = server.Address.Scheme == Uri.UriSchemeHttps;
        var uri = new UriBuilder(server.Address) { Scheme = secure ? "wss" : "ws", Path = "/ws", Query = query }.Uri;
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, timeout.Token));
        return socket.HttpStatusCode;
    }

    public Task SendAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        await Socket.SendAsync(bytes, type, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next frame's text; fails the test if the socket closes first.</summary>
    public async Task<string> ReceiveTextAsync()
    {
        var text = await TryReceiveTextAsync();
        Assert.True(text is not null, $"The socket closed: {Socket.CloseStatus} {Socket.CloseStatusDescription}");
        return text!;
    }

    /// <summary>The next frame's text, or null when the server closed the socket.</summary>
    public async Task<string?> TryReceiveTextAsync()
    {
        using var timeout = new CancellationTokenSource(HarkTestServer.Patience);
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await Socket.ReceiveAsync(_buffer.AsMemory(count), timeout.Token);
            count += result.Count;
        }
        while (!result.EndOfMessage);
        return result.MessageType == WebSocketMessageType.Close ? null : Encoding.UTF8.GetString(_buffer, 0, count);
    }

    public async Task<JsonElement> ReceiveAsync() => JsonDocument.Parse(await ReceiveTextAsync()).RootElement.Clone();

    /// <summary>The next frame, which must be a control frame of <paramref name="type"/>.</summary>
    public async Task<JsonElement> ReceiveAsync(string type)
    {
        var frame = await ReceiveAsync();
        Assert.True(frame.TryGetProperty("type", out var t) && t.GetString() == type, $"Expected a '{type}' frame, got {frame}");
        return frame;
    }

    /// <summary>Reads (and returns) frames until the server's close; then the close status and reason.</summary>
    public async Task<(List<string> Frames, WebSocketCloseStatus? Status, string? Reason)> ReadToCloseAsync()
    {
        var frames = new List<string>();
        while (await TryReceiveTextAsync() is { } frame)
        {
            frames.Add(frame);
        }
        return (frames, Socket.CloseStatus, Socket.CloseStatusDescription);
    }

    /// <summary>A round trip: every frame the server queued before the pong is read by the time this returns; returns them.</summary>
    public async Task<List<JsonElement>> PingAsync(string id = "\"sync\"")
    {
        await SendAsync($$"""{"type":"ping","id":{{id}}}""");
        var before = new List<JsonElement>();
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame.TryGetProperty("type", out var t) && t.GetString() == "pong")
            {
                return before;
            }
            before.Add(frame);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }
        Socket.Dispose();
    }
}
