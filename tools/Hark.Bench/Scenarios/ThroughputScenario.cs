using System.Collections.Concurrent;
using System.Diagnostics;
using Hark.Bench.Net;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>
/// C channels with a few long-poll subscribers each; messages published at rising rates, each rate for a
/// fixed time. A rate passes when every subscriber got every message of its channel, in order, with
/// p99 latency under 1 s, and the publisher kept at least 90% of the rate. Reports the highest passing rate.
/// </summary>
internal sealed class ThroughputScenario(Target target, BenchSettings settings, IProgressSink progress)
{
    public async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var steps = new List<RateStep>();
        foreach (var rate in settings.Rates)
        {
            var step = await RunStepAsync(rate, cancellationToken);
            steps.Add(step);
            progress.Report($"{target.Name} throughput: {rate}/s {(step.Passed ? "passed" : "failed: " + step.Why)}");
            if (!step.Passed)
            {
                break;
            }
        }
        return new ScenarioResult
        {
            Scenario = "throughput",
            Target = target.Name,
            Transport = "longpoll",
            Started = started,
            DurationSeconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 2),
            Subscribers = settings.Channels * settings.SubscribersPerChannel,
            Channels = settings.Channels,
            Steps = steps,
            Publishers = settings.Publishers,
            BestRate = steps.Where(s => s.Passed).Select(s => (double)s.TargetRate).DefaultIfEmpty(0).Max(),
            ServerCpu = steps.Where(s => s.Passed).MaxBy(s => s.TargetRate)?.ServerCpu,
            Lost = steps.Sum(s => s.Lost),
        };
    }

    private async Task<RateStep> RunStepAsync(int rate, CancellationToken cancellationToken)
    {
        var channels = settings.Channels;
        var prefix = $"tp{Environment.TickCount64 % 1_000_000}r{rate}c";
        var total = (int)(rate * settings.StepDuration.TotalSeconds);
        var subscribers = channels * settings.SubscribersPerChannel;
        var cursors = new string?[channels];
        if (target is HarkTarget hark)
        {
            for (var c = 0; c < channels; c++)
            {
                cursors[c] = await hark.NowAsync(prefix + c, cancellationToken);
            }
        }
        var latencies = new ConcurrentQueue<double>();
        long delivered = 0, disorder = 0, errors = 0;
        var sources = new SourceAddresses(settings.SourceAddresses);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        async Task SubscribeAsync(int id, Action connected)
        {
            var c = id % channels;
            var next = 0L;
            bool OnPayload(BenchPayload p)
            {
                if (p.Index != next)
                {
                    Interlocked.Increment(ref disorder);
                }
                next = Math.Max(next, p.Index + 1);
                latencies.Enqueue(Stopwatch.GetElapsedTime(p.Timestamp).TotalMilliseconds);
                Interlocked.Increment(ref delivered);
                return false;
            }
            try
            {
                await using var connection = await RawHttpConnection.ConnectAsync(target.Endpoint, sources.Next(), stop.Token);
                connected();
                var state = cursors[c] is { } cursor ? ((HarkTarget)target).LongPoll(prefix + c, settings.PollTimeout, cursor) : target.LongPoll(prefix + c, settings.PollTimeout);
                await SubscriberLoops.LongPollAsync(connection, state, OnPayload, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        var tasks = await Connector.StartAsync(subscribers, settings.ConnectConcurrency, SubscribeAsync, _ => { }, cancellationToken);
        var baseline = 0L;
        await Connector.WaitHeldAsync(target, subscribers + baseline, settings.ConnectTimeout, progress, cancellationToken);

        // Message n goes to channel n % C with per-channel index n / C, and each channel belongs to one
        // publisher task, so a channel's messages leave in order.
        var sent = 0L;
        var publishErrors = 0L;
        var start = Stopwatch.GetTimestamp();
        var cpu = ServerCpuWindow.Start(settings.ServerPids);
        var publishers = Enumerable.Range(0, settings.Publishers).Select(w => Task.Run(async () =>
        {
            for (var n = 0; n < total; n++)
            {
                if (n % channels % settings.Publishers != w)
                {
                    continue;
                }
                var due = TimeSpan.FromSeconds((double)n / rate) - Stopwatch.GetElapsedTime(start);
                if (due > TimeSpan.FromMilliseconds(2))
                {
                    await Task.Delay(due, cancellationToken);
                }
                try
                {
                    await target.PublishAsync(prefix + (n % channels), n / channels, cancellationToken);
                    Interlocked.Increment(ref sent);
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    // A refused or failed publish fails the step; it is not a message any subscriber should get.
                    Interlocked.Increment(ref publishErrors);
                }
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(publishers);
        var publishing = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var expected = sent * settings.SubscribersPerChannel;
        var drainUntil = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
        while (Interlocked.Read(ref delivered) < expected && Stopwatch.GetTimestamp() < drainUntil)
        {
            await Task.Delay(50, cancellationToken);
        }
        cpu.Stop();
        await stop.CancelAsync();
        await Task.WhenAll(tasks);

        var latency = LatencySummary.From([.. latencies]);
        var achieved = sent / publishing;
        var lost = Math.Max(0, expected - delivered);
        string? why = lost > 0 ? $"{lost} deliveries missing"
            : disorder > 0 ? $"{disorder} out of order or repeated"
            : errors > 0 ? $"{errors} subscriber errors"
            : publishErrors > 0 ? $"{publishErrors} publishes refused or failed"
            : latency is { P99: >= 1000 } ? $"p99 {latency.P99:F0} ms"
            : achieved < 0.9 * rate ? $"publisher reached only {achieved:F0}/s"
            : null;
        return new RateStep(rate, Math.Round(achieved), sent, expected, delivered, lost, latency?.P99 ?? 0, why is null, why, cpu.Figures(delivered, sent));
    }
}
