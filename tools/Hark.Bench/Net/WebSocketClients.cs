using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Hark.Bench.Net;

/// <summary>
/// Opens bench WebSockets: <see cref="ClientWebSocket"/> over one shared <see cref="SocketsHttpHandler"/> whose
/// connect callback binds each socket to the next loopback source address, as <see cref="RawHttpConnection"/> does.
/// </summary>
/// <remarks>
/// ClientWebSocket rather than a hand-written client: measured holding 5,000 idle sockets against Hark, the load
/// generator peaked at 188 MiB against 110 MiB for 5,000 raw long-polls, about 16 KiB more per socket, so the 19,000 of a
/// full hold cost it some 300 MiB more: affordable. In exchange masking, ping answers and frame assembly are the
/// framework's, and the bench does not measure a WebSocket client of its own making.
/// </remarks>
internal sealed class WebSocketClients(IPEndPoint server, SourceAddresses sources) : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(sources.Next(), 0));
                await socket.ConnectAsync(server, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    public async Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        // The servers ping; the bench answers (ClientWebSocket does, while a receive is pending) and sends none of its own.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            await socket.ConnectAsync(uri, _invoker, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _invoker.Dispose();
}
