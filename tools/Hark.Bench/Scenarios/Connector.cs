using System.Diagnostics;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>Starts many subscribers with a bound on connects in flight, and waits until the server holds them.</summary>
internal static class Connector
{
    /// <summary>
    /// Starts <paramref name="count"/> subscribers; each calls its <c>connected</c> callback once its socket is
    /// up, which lets the next one start, so at most <paramref name="concurrency"/> connects are in flight.
    /// </summary>
    public static async Task<List<Task>> StartAsync(int count, int concurrency, Func<int, Action, Task> subscriber, Action<int> report, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(count);
        var gate = new SemaphoreSlim(concurrency);
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync(cancellationToken);
            var id = i;
            var released = 0;
            void Release()
            {
                if (Interlocked.Exchange(ref released, 1) == 0)
                {
                    gate.Release();
                }
            }
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await subscriber(id, Release);
                }
                finally
                {
                    Release();
                }
            }, CancellationToken.None));
            if ((i + 1) % 1000 == 0 || i + 1 == count)
            {
                report(i + 1);
            }
        }
        return tasks;
    }

    /// <summary>Waits until the server says it holds at least <paramref name="expected"/> subscribers, or the timeout passes.</summary>
    public static async Task<long> WaitHeldAsync(Target target, long expected, TimeSpan timeout, IProgressSink progress, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        long held = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                held = await target.HeldAsync(cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // A server at its connection limit may drop the status request itself; ask again.
                progress.Report($"{target.Name}: status request failed ({e.Message}); asking again");
                await Task.Delay(500, cancellationToken);
                continue;
            }
            if (held >= expected)
            {
                break;
            }
            progress.Report($"{target.Name}: {held}/{expected} subscribers held");
            await Task.Delay(200, cancellationToken);
        }
        return held;
    }
}
