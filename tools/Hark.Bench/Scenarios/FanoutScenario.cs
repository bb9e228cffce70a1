using System.Diagnostics;
using Hark.Bench.Net;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>
/// S subscribers on one channel; K messages published one after another, each as soon as every subscriber
/// has the one before (or a round times out). Long-poll subscribers re-poll with their cursor; SSE and WebSocket
/// ones keep one stream or socket. Reports latency over all (subscriber, message) pairs, deliveries per second, and
/// lost or duplicated messages.
/// </summary>
internal sealed class FanoutScenario(Target target, BenchSettings settings, IProgressSink progress)
{
    public async Task<ScenarioResult> RunAsync(FanoutTransport transport, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        // Indices below the warm-up count are delivered and checked like the rest but left out of the figures.
        var (subscribers, warmup) = (settings.Subscribers, settings.Warmup);
        var messages = warmup + settings.Messages;
        var channel = $"fanout{Environment.TickCount64 % 1_000_000}";
        var cursor = target is HarkTarget hark ? await hark.NowAsync(channel, cancellationToken) : null;
        var log = new DeliveryLog(subscribers, messages);
        var rounds = Enumerable.Range(0, messages).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        long errors = 0, lastDelivery = 0;
        var sources = new SourceAddresses(settings.SourceAddresses);
        using var webSockets = new WebSocketClients(target.Endpoint, sources);
        var (scenario, transportName) = transport switch
        {
            FanoutTransport.Sse => ("sse", "sse"),
            FanoutTransport.WebSocket => ("ws", "websocket"),
            _ => ("fanout", "longpoll"),
        };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task SubscribeAsync(int id, Action connected)
        {
            var next = 0L;
            bool OnPayload(BenchPayload p)
            {
                if (!log.Record(id, ref next, p, out var everyone))
                {
                    return false;
                }
                Interlocked.Exchange(ref lastDelivery, Stopwatch.GetTimestamp());
                if (everyone)
                {
                    rounds[p.Index].TrySetResult();
                }
                return next == messages;
            }
            try
            {
                if (transport == FanoutTransport.WebSocket)
                {
                    var state = target.WebSocket(channel, cursor);
                    using var socket = await webSockets.ConnectAsync(state.Uri, stop.Token);
                    connected();
                    await SubscriberLoops.WebSocketAsync(socket, state, OnPayload, stop.Token);
                    return;
                }
                await using var connection = await RawHttpConnection.ConnectAsync(target.Endpoint, sources.Next(), stop.Token);
                connected();
                if (transport == FanoutTransport.Sse)
                {
                    await SubscriberLoops.SseAsync(connection, target.SseRequest(channel), OnPayload, stop.Token);
                }
                else
                {
                    var state = cursor is null ? target.LongPoll(channel, settings.PollTimeout) : ((HarkTarget)target).LongPoll(channel, settings.PollTimeout, cursor);
                    await SubscriberLoops.LongPollAsync(connection, state, OnPayload, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or InvalidOperationException or HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        var tasks = await Connector.StartAsync(subscribers, settings.ConnectConcurrency, SubscribeAsync,
            n => progress.Report($"{target.Name} {transportName} fanout: connecting {n}/{subscribers}"), cancellationToken);
        await Connector.WaitHeldAsync(target, subscribers, settings.ConnectTimeout, progress, cancellationToken);

        var first = Stopwatch.GetTimestamp();
        var cpu = ServerCpuWindow.Start(settings.ServerPids);
        for (var k = 0; k < messages; k++)
        {
            if (k == warmup)
            {
                first = Stopwatch.GetTimestamp();
                cpu = ServerCpuWindow.Start(settings.ServerPids);
            }
            await target.PublishAsync(channel, k, cancellationToken);
            await Task.WhenAny(rounds[k].Task, Task.Delay(settings.RoundTimeout, cancellationToken));
            progress.Report($"{target.Name} {transportName} fanout: message {k + 1}/{messages}, {log.Received(k)}/{subscribers} delivered");
        }
        // The last round ends at the last delivery, so this is where the deliveries' window ends too (unless a round
        // timed out); closing the connections below is server work that is no delivery's.
        cpu.Stop();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(settings.RoundTimeout, cancellationToken));
        await stop.CancelAsync();
        await Task.WhenAll(tasks);

        var delivered = log.Delivered(warmup);
        var window = Stopwatch.GetElapsedTime(first, Math.Max(Interlocked.Read(ref lastDelivery), first)).TotalSeconds;
        return new ScenarioResult
        {
            Scenario = scenario,
            Target = target.Name,
            Transport = transportName,
            Started = started,
            DurationSeconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 2),
            Subscribers = subscribers,
            Messages = settings.Messages,
            Channels = 1,
            Deliveries = delivered,
            Lost = log.Lost,
            Duplicates = log.Duplicates,
            Errors = errors,
            DeliveriesPerSecond = window > 0 ? Math.Round(delivered / window) : 0,
            Latency = LatencySummary.From([.. log.Latencies(warmup).Select(x => x.Milliseconds)]),
            ServerCpu = cpu.Figures(delivered),
        };
    }
}
