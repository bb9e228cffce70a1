using Hark.Bench.Net;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>
/// N idle long-poll subscribers (or WebSockets, one subscription each) held at once, added in steps; at each step the server's resident memory
/// is read once it says it holds them all. Reports how many were held without error and the bytes each
/// costs (the slope of memory against N).
/// </summary>
internal sealed class HoldScenario(Target target, BenchSettings settings, IReadOnlyList<int> serverPids, IProgressSink progress)
{
    public async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var run = Environment.TickCount64 % 1_000_000;
        var sources = new SourceAddresses(settings.SourceAddresses);
        using var webSockets = new WebSocketClients(target.Endpoint, sources);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long errors = 0, answered = 0;
        var points = new List<MemoryPoint> { new(0, await target.HeldAsync(cancellationToken), ProcessMemory.ResidentBytes(serverPids)) };
        var tasks = new List<Task>();

        async Task HoldAsync(int id, Action connected)
        {
            var channel = settings.OneChannel ? $"hold{run}" : $"hold{run}-{id}";
            try
            {
                if (settings.WebSocket)
                {
                    var state = target.WebSocket(channel, null);
                    using var socket = await webSockets.ConnectAsync(state.Uri, stop.Token);
                    connected();
                    // Returns only on a message: nothing is published, so that is a subscriber the server did not hold.
                    await SubscriberLoops.WebSocketAsync(socket, state, _ => true, stop.Token);
                    Interlocked.Increment(ref answered);
                    return;
                }
                await using var connection = await RawHttpConnection.ConnectAsync(target.Endpoint, sources.Next(), stop.Token);
                await connection.SendAsync(target.LongPoll(channel, settings.PollTimeout).NextRequest(), stop.Token);
                connected();
                await connection.ReadResponseAsync(stop.Token);
                // Nothing is published: any answer before the end is a subscriber the server did not hold.
                Interlocked.Increment(ref answered);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or InvalidOperationException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        var open = 0;
        foreach (var step in settings.HoldSteps.Where(s => s > 0).Order())
        {
            var first = open;
            var more = await Connector.StartAsync(step - open, settings.ConnectConcurrency, (i, connected) => HoldAsync(first + i, connected),
                n => progress.Report($"{target.Name} hold: connecting {first + n}/{step}"), cancellationToken);
            tasks.AddRange(more);
            open = step;
            var held = await Connector.WaitHeldAsync(target, step + points[0].Held, settings.ConnectTimeout, progress, cancellationToken) - points[0].Held;
            // Let allocation settle before reading memory, the same pause for every target.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var rss = ProcessMemory.ResidentBytes(serverPids);
            points.Add(new MemoryPoint(step, held, rss));
            progress.Report($"{target.Name} hold: {held}/{step} held, {rss / (1024 * 1024)} MiB resident");
        }
        var finalHeld = points[^1].Held;
        await stop.CancelAsync();
        await Task.WhenAll(tasks);

        return new ScenarioResult
        {
            Scenario = (settings.WebSocket ? "hold-ws" : "hold") + (settings.OneChannel ? "-one-channel" : ""),
            Target = target.Name,
            Transport = settings.WebSocket ? "websocket" : "longpoll",
            Started = started,
            DurationSeconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 2),
            Subscribers = open,
            Channels = settings.OneChannel ? 1 : open,
            Deliveries = finalHeld,
            Errors = errors + answered,
            Memory = points,
            BytesPerConnection = Math.Round(Slope(points)),
            Note = answered > 0 ? $"{answered} subscribers were answered before the end" : null,
        };
    }

    /// <summary>Least-squares slope of resident bytes against connections.</summary>
    internal static double Slope(IReadOnlyList<MemoryPoint> points)
    {
        var n = points.Count;
        if (n < 2)
        {
            return 0;
        }
        var meanX = points.Average(p => (double)p.Connections);
        var meanY = points.Average(p => (double)p.RssBytes);
        var sxx = points.Sum(p => (p.Connections - meanX) * (p.Connections - meanX));
        var sxy = points.Sum(p => (p.Connections - meanX) * (p.RssBytes - meanY));
        return sxx == 0 ? 0 : sxy / sxx;
    }
}
