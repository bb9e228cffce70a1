namespace Hark.Client;

/// <summary>One open stream of a subscription's events (an NDJSON response, a WebSocket), read until it ends.</summary>
internal interface IEventStream : IAsyncDisposable
{
    /// <summary>Why the stream ended, when the server said so (a refusal, a close code); null for a plain end, which reconnects.</summary>
    Attempt? Ending { get; }

    /// <summary>The next event, or null once the stream has ended; <paramref name="cursor"/> is the subscription's position.</summary>
    ValueTask<HarkEvent?> ReadAsync(string cursor, CancellationToken cancellationToken);
}
