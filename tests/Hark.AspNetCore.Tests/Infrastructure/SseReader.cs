using System.Text;

namespace Hark.AspNetCore.Tests.Infrastructure;

public sealed record SseEvent(string? Id, string? Event, string Data, bool IsComment);

/// <summary>Reads Server-Sent Events from a response stream, as a browser would parse them.</summary>
public sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event or comment; null at the end of the stream.</summary>
    public async Task<SseEvent?> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? HarkTestServer.Patience);
        string? id = null, name = null;
        var data = new List<string>();
        var comment = false;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            if (line is null)
            {
                return null;
            }
            if (line.Length == 0)
            {
                if (data.Count > 0 || id is not null || name is not null || comment)
                {
                    return new SseEvent(id, name, string.Join('\n', data), comment && data.Count == 0);
                }
                continue;
            }
            if (line[0] == ':')
            {
                comment = true;
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    /// <summary>The next event that is not a comment or a retry hint.</summary>
    public async Task<SseEvent?> ReadEventAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await ReadAsync(timeout);
            if (e is null || !e.IsComment)
            {
                return e;
            }
        }
    }

    public void Dispose() => _reader.Dispose();
}
