using System.Globalization;
using Hark.Bench.Net;

namespace Hark.Bench.Targets;

/// <summary>
/// Nchan (nginx): long-poll with <c>If-Modified-Since</c>/<c>If-None-Match</c> taken from the previous answer's
/// <c>Last-Modified</c>/<c>Etag</c>, one message per answer; EventSource and WebSocket on the same URL; held count from
/// <c>nchan_stub_status</c>. The config is tools/nchan/nginx.conf. <paramref name="prefix"/> is where the locations are
/// (empty for Nchan's config; Hark's Nchan door is under <c>/nchan</c>, see <see cref="HarkNchanTarget"/>).
/// </summary>
internal class NchanTarget(Uri baseUri, string prefix = "") : Target(baseUri)
{
    public override string Name => "nchan";

    protected override string PublishPath(string channel) => $"{prefix}/pub/{channel}";

    public override async Task<long> HeldAsync(CancellationToken cancellationToken)
    {
        var status = await Http.GetStringAsync("/nchan_status", cancellationToken);
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("subscribers:", StringComparison.Ordinal))
            {
                return long.Parse(line["subscribers:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException("nchan_stub_status has no subscriber count");
    }

    public override LongPollState LongPoll(string channel, TimeSpan timeout) => new State(this, $"{prefix}/sub/{channel}");

    public override string SseRequest(string channel) =>
        $"GET {prefix}/sub/{channel} HTTP/1.1\r\nHost: {Host}\r\nAccept: text/event-stream\r\n\r\n";

    /// <summary>Nchan takes no cursor here: with <c>nchan_subscriber_first_message newest</c> a socket gets what is published after it opens.</summary>
    public override WebSocketSubscriber WebSocket(string channel, string? cursor) => new SocketState(WebSocketUri($"{prefix}/sub/{channel}"));

    /// <summary>Each WebSocket message is a published body, verbatim.</summary>
    private sealed class SocketState(Uri uri) : WebSocketSubscriber
    {
        public override Uri Uri => uri;

        public override BenchPayload? Accept(ReadOnlySpan<byte> message) => BenchPayload.Parse(message);
    }

    private sealed class State(NchanTarget target, string path) : LongPollState
    {
        private string? _lastModified;
        private string? _etag;

        public override string NextRequest() => _lastModified is null
            ? $"GET {path} HTTP/1.1\r\nHost: {target.Host}\r\n\r\n"
            : $"GET {path} HTTP/1.1\r\nHost: {target.Host}\r\nIf-Modified-Since: {_lastModified}\r\nIf-None-Match: {_etag}\r\n\r\n";

        public override IReadOnlyList<BenchPayload> Accept(HttpResponse response)
        {
            switch (response.Status)
            {
                case 200:
                    _lastModified = response.LastModified ?? _lastModified;
                    _etag = response.ETag ?? _etag;
                    return [BenchPayload.Parse(response.Body)];
                case 304 or 408:
                    // The subscriber timeout: nothing new, poll again from the same place.
                    return [];
                default:
                    throw new InvalidOperationException($"nchan: poll answered {response.Status}");
            }
        }
    }
}
