using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hark.Bench.Net;

/// <summary>
/// A lean HTTP/1.1 client connection over a raw socket: one small buffer, keep-alive, bound to a chosen
/// loopback source address so one address's ephemeral ports are not the limit. Enough HTTP for
/// long-poll (Content-Length and chunked bodies) and for streams (chunked, read as it comes).
/// </summary>
internal sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    private RawHttpConnection(Socket socket) => _socket = socket;

    public static async Task<RawHttpConnection> ConnectAsync(IPEndPoint server, IPAddress source, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(server, cancellationToken);
            return new RawHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async ValueTask SendAsync(string request, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes(request);
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
        }
    }

    /// <summary>Reads one whole response (status, the headers the scenarios need, and the body).</summary>
    public async ValueTask<HttpResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var head = await ReadHeadAsync(cancellationToken);
        byte[] body;
        if (head.Chunked)
        {
            using var all = new MemoryStream();
            while (await ReadChunkAsync(cancellationToken) is { Length: > 0 } chunk)
            {
                all.Write(chunk);
            }
            body = all.ToArray();
        }
        else
        {
            body = await ReadExactAsync(head.ContentLength, cancellationToken);
        }
        return head with { Body = body };
    }

    /// <summary>Reads the status line and headers; for a stream, the body follows through <see cref="ReadChunkAsync"/>.</summary>
    public async ValueTask<HttpResponse> ReadHeadAsync(CancellationToken cancellationToken)
    {
        int endOfHead;
        while ((endOfHead = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync(cancellationToken);
        }
        var text = Encoding.ASCII.GetString(_buffer, _start, endOfHead);
        _start += endOfHead + 4;
        var lines = text.Split("\r\n");
        var status = int.Parse(lines[0].AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        string? etag = null, lastModified = null;
        var contentLength = 0;
        var chunked = false;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            var name = line.AsSpan(0, colon);
            var value = line.AsSpan(colon + 1).Trim().ToString();
            if (name.Equals("content-length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("etag", StringComparison.OrdinalIgnoreCase))
            {
                etag = value;
            }
            else if (name.Equals("last-modified", StringComparison.OrdinalIgnoreCase))
            {
                lastModified = value;
            }
        }
        return new HttpResponse(status, etag, lastModified, [], chunked) { ContentLength = contentLength };
    }

    /// <summary>The next chunk of a chunked body; empty at its end.</summary>
    public async ValueTask<byte[]> ReadChunkAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken);
        var semicolon = line.IndexOf(';', StringComparison.Ordinal);
        var size = Convert.ToInt32(semicolon < 0 ? line : line[..semicolon], 16);
        var chunk = await ReadExactAsync(size, cancellationToken);
        await ReadLineAsync(cancellationToken);
        return chunk;
    }

    /// <summary>The next piece of a streamed body: a chunk when chunked, else whatever bytes have arrived.</summary>
    public async ValueTask<byte[]> ReadStreamAsync(bool chunked, CancellationToken cancellationToken)
    {
        if (chunked)
        {
            return await ReadChunkAsync(cancellationToken);
        }
        if (_start == _end)
        {
            await FillAsync(cancellationToken);
        }
        var piece = _buffer.AsSpan(_start, _end - _start).ToArray();
        _start = _end;
        return piece;
    }

    private async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            await FillAsync(cancellationToken);
        }
        var line = Encoding.ASCII.GetString(_buffer, _start, end);
        _start += end + 2;
        return line;
    }

    private async ValueTask<byte[]> ReadExactAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }
            var n = Math.Min(count - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, n);
            _start += n;
            copied += n;
        }
        return result;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }
        _end += read;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
