using System.Diagnostics;
using System.Globalization;
using Hark.Bench.Net;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>
/// One process's share of a spread fan-out: S long-poll subscribers on one node, all from the same cursor.
/// Talks to its parent in lines: <c>connected</c>, <c>got {k}</c> once every subscriber has message k, and
/// <c>done {lost} {duplicates} {errors}</c>; it stops on a <c>stop</c> line and leaves its latencies in a file.
/// Latency is measured against the publisher's <see cref="Stopwatch"/> stamp: on Linux that clock is the
/// system-wide monotonic one, so it compares across processes.
/// </summary>
internal static class SpreadWorker
{
    public static async Task<int> RunAsync(Uri url, string channel, string cursor, int subscribers, int messages, int sources, string latencyFile)
    {
        using var target = new HarkTarget(url);
        var latencies = new double[subscribers * messages];
        var received = new int[messages];
        long duplicates = 0, errors = 0;
        var addresses = new SourceAddresses(sources);
        using var stop = new CancellationTokenSource();
        var timeout = new BenchSettings().PollTimeout;

        async Task SubscribeAsync(int id, Action connected)
        {
            var next = 0L;
            bool OnPayload(BenchPayload p)
            {
                if (p.Index < next || p.Index >= messages)
                {
                    Interlocked.Increment(ref duplicates);
                    return false;
                }
                next = p.Index + 1;
                latencies[(id * messages) + p.Index] = Stopwatch.GetElapsedTime(p.Timestamp).TotalMilliseconds;
                if (Interlocked.Increment(ref received[p.Index]) == subscribers)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"got {p.Index}"));
                }
                return next == messages;
            }
            try
            {
                await using var connection = await RawHttpConnection.ConnectAsync(target.Endpoint, addresses.Next(), stop.Token);
                connected();
                await SubscriberLoops.LongPollAsync(connection, target.LongPoll(channel, timeout, cursor), OnPayload, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                Interlocked.Increment(ref errors);
            }
        }

        var tasks = await Connector.StartAsync(subscribers, 256, SubscribeAsync, _ => { }, CancellationToken.None);
        Console.WriteLine("connected");
        var stopLine = Task.Run(Console.In.ReadLine);
        await Task.WhenAny(Task.WhenAll(tasks), stopLine);
        await stop.CancelAsync();
        await Task.WhenAll(tasks);
        await File.WriteAllLinesAsync(latencyFile, latencies
            .Select((l, i) => (l, i))
            .Where(x => x.l > 0)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.i % messages} {x.l:F3}")));
        var lost = ((long)subscribers * messages) - received.Sum(r => (long)r);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {lost} {duplicates} {errors}"));
        return 0;
    }
}
