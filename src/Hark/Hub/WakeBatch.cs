namespace Hark.Hub;

/// <summary>
/// Wakes many waiters at once the way an event loop would: the list is cut into chunks, each chunk is one
/// thread-pool work item, and each waiter's continuation runs inline within its chunk. Waking N
/// subscribers costs N/<see cref="ChunkSize"/> queue operations instead of N, with no thread hop per
/// subscriber, and chunks still spread over every core.
/// </summary>
internal static class WakeBatch
{
    public const int ChunkSize = 128;

    /// <summary>Signals every waiter in <paramref name="waiters"/>; returns how many were still waiting.</summary>
    public static int Wake(IReadOnlyCollection<Waiter> waiters, WakeResult result)
    {
        if (waiters.Count <= 4)
        {
            var woken = 0;
            foreach (var waiter in waiters)
            {
                woken += waiter.TrySignal(result) ? 1 : 0;
            }
            return woken;
        }
        var count = 0;
        var chunk = new Waiter[Math.Min(ChunkSize, waiters.Count)];
        var filled = 0;
        foreach (var waiter in waiters)
        {
            // Claimed now, completed in the chunk: the count is exact and no later signal can win.
            if (!waiter.TryClaim())
            {
                continue;
            }
            count++;
            chunk[filled++] = waiter;
            if (filled == chunk.Length)
            {
                Queue(chunk, filled, result);
                chunk = new Waiter[chunk.Length];
                filled = 0;
            }
        }
        if (filled > 0)
        {
            Queue(chunk, filled, result);
        }
        return count;
    }

    private static void Queue(Waiter[] chunk, int filled, WakeResult result) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (waiters, n, r) = state;
            for (var i = 0; i < n; i++)
            {
                waiters[i].Complete(r, inline: true);
            }
        }, (chunk, filled, result), preferLocal: false);
}
