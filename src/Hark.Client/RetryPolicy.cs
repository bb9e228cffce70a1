namespace Hark.Client;

/// <summary>
/// How long to wait before the next attempt: a network error starts short (about 0.5 s) and doubles to a
/// cap; a server error (5xx, 429) starts longer and grows to minutes, honouring <c>Retry-After</c>. Every
/// wait is jittered (between half and all of it) so reconnecting clients do not arrive together.
/// </summary>
internal sealed class RetryPolicy(HarkClientOptions options)
{
    private int _networkFailures;
    private int _serverFailures;

    public void Succeeded() => (_networkFailures, _serverFailures) = (0, 0);

    public TimeSpan AfterNetworkError() => Jitter(Grow(options.RetryDelay, options.MaxRetryDelay, _networkFailures++));

    public TimeSpan AfterServerError(TimeSpan? retryAfter)
    {
        var wait = Jitter(Grow(options.ServerErrorDelay, options.MaxServerErrorDelay, _serverFailures++));
        return retryAfter is { } hint && hint > wait ? hint : wait;
    }

    private static TimeSpan Grow(TimeSpan first, TimeSpan cap, int failures) =>
        TimeSpan.FromTicks((long)Math.Min(cap.Ticks, first.Ticks * Math.Pow(2, Math.Min(failures, 30))));

    private static TimeSpan Jitter(TimeSpan wait) => wait * (0.5 + (Random.Shared.NextDouble() * 0.5));
}
