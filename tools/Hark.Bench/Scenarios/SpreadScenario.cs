using System.Diagnostics;
using System.Globalization;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>
/// A fan-out over several Hark nodes on one database: S long-poll subscribers spread evenly over the nodes,
/// each node's share held by a worker process of its own (one process cannot hold them all within its file
/// limit); K messages published one after another, each on the next node in turn, each as soon as every
/// subscriber everywhere has the one before. Reports latency over all (subscriber, message) pairs.
/// </summary>
internal sealed class SpreadScenario(IReadOnlyList<Uri> nodes, BenchSettings settings, IProgressSink progress)
{
    public async Task<ScenarioResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var targets = nodes.Select(n => new HarkTarget(n)).ToList();
        var work = Directory.CreateTempSubdirectory("hark-spread");
        var workers = new List<Process>();
        try
        {
            var (total, warmup) = (settings.Subscribers, settings.Warmup);
            var messages = warmup + settings.Messages;
            var channel = $"spread{Environment.TickCount64 % 1_000_000}";
            var cursor = await targets[0].NowAsync(channel, cancellationToken);
            var rounds = Enumerable.Range(0, messages).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
            var got = new int[messages];
            var connected = 0;
            long lost = 0, duplicates = 0, errors = 0;
            var finished = new List<Task>();
            for (var i = 0; i < nodes.Count; i++)
            {
                var share = (total / nodes.Count) + (i < total % nodes.Count ? 1 : 0);
                var worker = StartWorker(nodes[i], channel, cursor, share, messages, Path.Combine(work.FullName, $"latencies{i}.txt"));
                workers.Add(worker);
                finished.Add(Task.Run(async () =>
                {
                    while (await worker.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
                    {
                        var parts = line.Split(' ');
                        switch (parts[0])
                        {
                            case "connected":
                                Interlocked.Increment(ref connected);
                                break;
                            case "got":
                                var k = int.Parse(parts[1], CultureInfo.InvariantCulture);
                                if (Interlocked.Increment(ref got[k]) == nodes.Count)
                                {
                                    rounds[k].TrySetResult();
                                }
                                break;
                            case "done":
                                Interlocked.Add(ref lost, long.Parse(parts[1], CultureInfo.InvariantCulture));
                                Interlocked.Add(ref duplicates, long.Parse(parts[2], CultureInfo.InvariantCulture));
                                Interlocked.Add(ref errors, long.Parse(parts[3], CultureInfo.InvariantCulture));
                                break;
                        }
                    }
                }, cancellationToken));
            }

            var deadline = Stopwatch.GetTimestamp() + (long)(settings.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
            long held;
            while ((held = await HeldAsync(targets, cancellationToken)) < total && Stopwatch.GetTimestamp() < deadline)
            {
                progress.Report($"spread: {held}/{total} long-polls held on {nodes.Count} nodes ({Volatile.Read(ref connected)} workers connected)");
                await Task.Delay(500, cancellationToken);
            }

            var first = Stopwatch.GetTimestamp();
            var last = first;
            for (var k = 0; k < messages; k++)
            {
                if (k == warmup)
                {
                    first = Stopwatch.GetTimestamp();
                }
                await targets[k % targets.Count].PublishAsync(channel, k, cancellationToken);
                await Task.WhenAny(rounds[k].Task, Task.Delay(settings.RoundTimeout, cancellationToken));
                last = Stopwatch.GetTimestamp();
                progress.Report($"spread: message {k + 1}/{messages} published on node {(k % targets.Count) + 1}, {(rounds[k].Task.IsCompleted ? "everyone has it" : "round timed out")}");
            }
            foreach (var worker in workers)
            {
                try
                {
                    await worker.StandardInput.WriteLineAsync("stop");
                    await worker.StandardInput.FlushAsync(cancellationToken);
                }
                catch (IOException)
                {
                    // It already had every message and ended by itself.
                }
            }
            await Task.WhenAll(finished).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);

            var latencies = new List<double>();
            for (var i = 0; i < nodes.Count; i++)
            {
                foreach (var line in await File.ReadAllLinesAsync(Path.Combine(work.FullName, $"latencies{i}.txt"), cancellationToken))
                {
                    var space = line.IndexOf(' ', StringComparison.Ordinal);
                    if (int.Parse(line.AsSpan(0, space), CultureInfo.InvariantCulture) >= warmup)
                    {
                        latencies.Add(double.Parse(line.AsSpan(space + 1), CultureInfo.InvariantCulture));
                    }
                }
            }
            var window = Stopwatch.GetElapsedTime(first, last).TotalSeconds;
            return new ScenarioResult
            {
                Scenario = "spread",
                Target = $"hark ×{nodes.Count} nodes",
                Transport = "longpoll",
                Started = started,
                DurationSeconds = Math.Round((DateTimeOffset.UtcNow - started).TotalSeconds, 2),
                Subscribers = total,
                Messages = settings.Messages,
                Channels = 1,
                Deliveries = latencies.Count,
                Lost = lost,
                Duplicates = duplicates,
                Errors = errors,
                DeliveriesPerSecond = window > 0 ? Math.Round(latencies.Count / window) : 0,
                Latency = LatencySummary.From(latencies),
                Note = $"subscribers spread evenly over {string.Join(", ", nodes)}; message k published on node k mod {nodes.Count}",
            };
        }
        finally
        {
            foreach (var worker in workers)
            {
                if (!worker.HasExited)
                {
                    worker.Kill(entireProcessTree: true);
                }
                worker.Dispose();
            }
            foreach (var target in targets)
            {
                target.Dispose();
            }
            work.Delete(recursive: true);
        }
    }

    private static async Task<long> HeldAsync(List<HarkTarget> targets, CancellationToken cancellationToken)
    {
        var held = 0L;
        foreach (var target in targets)
        {
            held += await target.HeldAsync(cancellationToken);
        }
        return held;
    }

    private Process StartWorker(Uri node, string channel, string cursor, int subscribers, int messages, string latencyFile)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            typeof(SpreadScenario).Assembly.Location, "worker", "--url", node.ToString(), "--channel", channel, "--cursor", cursor,
            "--subscribers", subscribers.ToString(CultureInfo.InvariantCulture), "--messages", messages.ToString(CultureInfo.InvariantCulture),
            "--sources", settings.SourceAddresses.ToString(CultureInfo.InvariantCulture), "--latencies", latencyFile,
        })
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start a bench worker.");
    }
}
