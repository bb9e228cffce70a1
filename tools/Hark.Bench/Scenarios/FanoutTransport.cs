namespace Hark.Bench.Scenarios;

/// <summary>How the subscribers of a fan-out listen; each has its scenario name, as on the command line and in results.</summary>
internal enum FanoutTransport
{
    /// <summary><c>fanout</c>: a long-poll loop per subscriber, each re-poll from the last position.</summary>
    LongPoll,

    /// <summary><c>sse</c>: one event stream per subscriber.</summary>
    Sse,

    /// <summary><c>ws</c>: one WebSocket per subscriber.</summary>
    WebSocket,
}
