namespace Hark.AspNetCore.Internal.Admin;

/// <summary>
/// What the dashboard draws, one per interval: rates are per second over the interval, counts are the interval's,
/// levels are now. Published as a message on <see cref="AdminStats.Channel"/>.
/// </summary>
internal sealed record StatsSnapshot(
    string Node,
    string Time,
    double Interval,
    long Channels,
    long HistoryBytes,
    long Connections,
    IReadOnlyDictionary<string, long> Held,
    double Published,
    double Delivered,
    IReadOnlyDictionary<string, double> DeliveredBy,
    IReadOnlyDictionary<string, long> Gaps,
    double Rejected,
    double Dropped,
    Percentiles Hold,
    Percentiles Latency,
    IReadOnlyList<BusyChannel> Busiest,
    EngineState Engine);

/// <summary>Percentiles of a histogram's observations in the interval, in seconds, interpolated within buckets; null with no observation.</summary>
internal sealed record Percentiles(long Count, double? P50, double? P90, double? P99);

/// <summary>A busy channel: messages per second in the interval, and its subscribers waiting on this node now.</summary>
internal sealed record BusyChannel(string Channel, double Rate, int Subscribers);

/// <summary>The engine and the health checks tagged <c>ready</c> (the database or Redis link among them).</summary>
internal sealed record EngineState(string Name, string Status, IReadOnlyList<CheckState> Checks);

internal sealed record CheckState(string Name, string Status, string? Description);
