using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>
/// One keep-alive HTTP/1.1 connection driven by hand: the test writes the exact bytes of each request
/// (or half of one) and reads answers one by one, Content-Length or chunked.
/// </summary>
public sealed class HandDrivenConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private HandDrivenConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<HandDrivenConnection> OpenAsync(Uri server)
    {
        // No coalescing on the client's side: each SendAsync leaves as its own segment.
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(server.Host, server.Port);
        return new HandDrivenConnection(client);
    }

    /// <summary>Opens a connection from a chosen local address (any of 127.0.0.0/8 works on loopback), to be another client.</summary>
    public static async Task<HandDrivenConnection> OpenAsync(Uri server, IPAddress from)
    {
        var client = new TcpClient(new IPEndPoint(from, 0)) { NoDelay = true };
        await client.ConnectAsync(server.Host, server.Port).WaitAsync(HarkTestServer.Patience);
        return new HandDrivenConnection(client);
    }

    public static string Get(string target, params string[] headers) =>
        $"GET {target} HTTP/1.1\r\nHost: test\r\n{string.Concat(headers.Select(h => h + "\r\n"))}\r\n";

    public async Task SendAsync(string raw)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(raw));
        await _stream.FlushAsync();
    }

    /// <summary>Reads one whole answer; fails the test if the server closes first or takes longer than <paramref name="within"/>.</summary>
    public async Task<RawResponse> ReadResponseAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? HarkTestServer.Patience);
        var head = await ReadLineAsync(timeout.Token);
        var status = int.Parse(head.Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var line = await ReadLineAsync(timeout.Token); line.Length > 0; line = await ReadLineAsync(timeout.Token))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        var body = new MemoryStream();
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body.Write(await ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture), timeout.Token));
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            for (var size = ChunkSize(await ReadLineAsync(timeout.Token)); size > 0; size = ChunkSize(await ReadLineAsync(timeout.Token)))
            {
                body.Write(await ReadExactlyAsync(size, timeout.Token));
                await ReadLineAsync(timeout.Token);
            }
            await ReadLineAsync(timeout.Token);
        }
        return new RawResponse(status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    /// <summary>True when the server closes the connection within <paramref name="within"/> without sending anything more.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            return _start == _end && await _stream.ReadAsync(_buffer, timeout.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static int ChunkSize(string line) => int.Parse(line.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var at = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (at >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, at - _start).TrimEnd('\r');
                _start = at + 1;
                return line;
            }
            await FillAsync(cancellationToken);
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            await FillAsync(cancellationToken);
        }
        var bytes = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return bytes;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            (_end, _start) = (_end - _start, 0);
        }
        if (_end == _buffer.Length)
        {
            // An answer longer than the buffer: make room rather than read nothing.
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }
        _end += read;
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;
}
