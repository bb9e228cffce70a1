using System.Text.Json;

namespace Hark.Client;

/// <summary>An NDJSON stream (<c>Accept: application/x-ndjson</c>): one object per line, empty lines as heartbeats.</summary>
internal sealed class NdjsonEventStream(HttpResponseMessage response, StreamReader reader, SubscriptionGrant grant) : IEventStream
{
    public Attempt? Ending => null;

    public static async Task<NdjsonEventStream> OpenAsync(HttpResponseMessage response, SubscriptionGrant grant, CancellationToken cancellationToken) =>
        new(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false)), grant);

    public async ValueTask<HarkEvent?> ReadAsync(string cursor, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (WireEvents.IsNetworkError(e, cancellationToken))
            {
                return null;
            }
            if (line is null)
            {
                return null;
            }
            if (line.Length == 0)
            {
                continue;
            }
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("grant", out var issued) && issued.ValueKind == JsonValueKind.String)
            {
                grant.Value = issued.GetString();
                continue;
            }
            if (root.TryGetProperty("gap", out _))
            {
                return new HarkGap(WireEvents.Gaps(root.GetProperty("gaps")), root.GetProperty("cursor").GetString()!);
            }
            if (!root.TryGetProperty("channel", out _) && root.TryGetProperty("cursor", out var start))
            {
                return new CursorMark(start.GetString()!);
            }
            if (root.TryGetProperty("closed", out _))
            {
                return new HarkChannelClosed(root.GetProperty("channel").GetString()!, cursor);
            }
            return WireEvents.Message(root);
        }
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
