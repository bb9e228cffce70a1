using System.Globalization;
using System.Text.Json;
using Hark.Bench.Net;

namespace Hark.Bench.Targets;

/// <summary>Hark: long-poll with a cursor; SSE with <c>Accept: text/event-stream</c>; WebSocket on <c>/ws</c>; held count from <c>/metrics</c>.</summary>
internal sealed partial class HarkTarget(Uri baseUri) : Target(baseUri)
{
    public override string Name => "hark";

    protected override string PublishPath(string channel) => $"/pub/{channel}";

    public override Task<long> HeldAsync(CancellationToken cancellationToken) => HeldAsync(Http, cancellationToken);

    /// <summary>The requests a Hark server holds (all transports, all front doors), from its <c>/metrics</c>.</summary>
    public static async Task<long> HeldAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var metrics = await http.GetStringAsync("/metrics", cancellationToken);
        var held = 0L;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith("hark_connections_held{", StringComparison.Ordinal))
            {
                held += long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return held;
    }

    /// <summary>The channel's "now" cursor, so every subscriber starts from the same place whenever it connects.</summary>
    public async Task<string> NowAsync(string channel, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync($"/sub/{channel}?timeout=0", cancellationToken));
        return doc.RootElement.GetProperty("cursor").GetString()!;
    }

    public override LongPollState LongPoll(string channel, TimeSpan timeout) => new State(this, channel, timeout);

    public LongPollState LongPoll(string channel, TimeSpan timeout, string cursor) => new State(this, channel, timeout) { Cursor = cursor };

    public override string SseRequest(string channel) =>
        $"GET /sub/{channel} HTTP/1.1\r\nHost: {Host}\r\nAccept: text/event-stream\r\n\r\n";

    private sealed class State(HarkTarget target, string channel, TimeSpan timeout) : LongPollState
    {
        private readonly string _seconds = ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);

        public string? Cursor { get; set; }

        public override string NextRequest() =>
            $"GET /sub/{channel}?timeout={_seconds}{(Cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(Cursor))} HTTP/1.1\r\nHost: {target.Host}\r\n\r\n";

        public override IReadOnlyList<BenchPayload> Accept(HttpResponse response)
        {
            if (response.Status != 200)
            {
                throw new InvalidOperationException($"hark: poll answered {response.Status}");
            }
            using var doc = JsonDocument.Parse(response.Body);
            Cursor = doc.RootElement.GetProperty("cursor").GetString();
            var messages = doc.RootElement.GetProperty("messages");
            if (messages.GetArrayLength() == 0)
            {
                return [];
            }
            var payloads = new List<BenchPayload>(messages.GetArrayLength());
            foreach (var message in messages.EnumerateArray())
            {
                payloads.Add(BenchPayload.Parse(message.GetProperty("data")));
            }
            return payloads;
        }
    }
}
