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
        var log = new DeliveryLog(subscribers, messages);
        long errors = 0;
        var addresses = new SourceAddresses(sources);
        using var stop = new CancellationTokenSource();
        var timeout = new BenchSettings().PollTimeout;

        async Task SubscribeAsync(int id, Action connected)
        {
            var next = 0L;
            bool OnPayload(BenchPayload p)
            {
                if (!log.Record(id, ref next, p, out var everyone))
                {
                    return false;
                }
                if (everyone)
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
        await File.WriteAllLinesAsync(latencyFile, log.Latencies()
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Message} {x.Milliseconds:F3}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {log.Lost} {log.Duplicates} {errors}"));
        return 0;
    }
}
