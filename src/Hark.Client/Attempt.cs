namespace Hark.Client;

/// <summary>What one attempt of a subscription produced: events to yield, a wait before the next attempt, a failure to throw, or the end of a deleted channel.</summary>
internal sealed record Attempt(IReadOnlyList<HarkEvent> Events, TimeSpan? Wait = null, Exception? Failure = null, bool Closed = false, string? Cursor = null)
{
    /// <summary>The deleted channel a <c>410</c> named (its <c>channel</c> member), when it named one.</summary>
    public string? ClosedChannel { get; init; }

    /// <summary>
    /// What a refusal calls for, whichever transport it came on (an HTTP status, a socket's <c>error</c> frame or its
    /// 4000 + status close): 5xx and 429 wait long, 408 (a socket too slow to read) retries at once, 410 ends the
    /// subscription (with the channel the problem names), 401/403 throw <see cref="HarkAuthorizationException"/> and any
    /// other <see cref="HarkException"/>.
    /// </summary>
    public static Attempt Refused(int status, string? problemType, string message, TimeSpan? retryAfter, RetryPolicy retry, string? channel = null) => status switch
    {
        >= 500 or 429 => new Attempt([], retry.AfterServerError(retryAfter)),
        408 => new Attempt([], retry.AfterNetworkError()),
        410 => new Attempt([], Closed: true) { ClosedChannel = channel },
        _ => new Attempt([], Failure: HarkClient.Refusal(status, problemType, message)),
    };
}
