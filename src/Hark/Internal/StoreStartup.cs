namespace Hark.Internal;

/// <summary>
/// How an engine on an out-of-process store starts with the host. Nodes often start together with their store, so
/// a store that is not up yet (<see cref="HarkUnavailableException"/>) is retried once a second, for a while.
/// </summary>
internal static class StoreStartup
{
    public static async Task RetryAsync(Func<CancellationToken, Task> start, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                await start(cancellationToken);
                return;
            }
            catch (HarkUnavailableException) when (time.GetElapsedTime(started) < timeout)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
