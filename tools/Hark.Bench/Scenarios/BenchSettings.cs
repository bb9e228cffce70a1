namespace Hark.Bench.Scenarios;

/// <summary>What a run is asked to do; every bound is explicit so runs stop by themselves.</summary>
internal sealed record BenchSettings
{
    public int Subscribers { get; init; } = 1000;

    public int Messages { get; init; } = 20;

    /// <summary>Messages sent to the same subscribers before the measured ones, so no server is measured cold.</summary>
    public int Warmup { get; init; } = 3;

    public int Channels { get; init; } = 100;

    public int SubscribersPerChannel { get; init; } = 2;

    public IReadOnlyList<int> HoldSteps { get; init; } = [1000, 5000, 10_000, 15_000, 19_000];

    public bool OneChannel { get; init; }

    /// <summary>The hold scenario holds idle WebSockets (one subscription each) instead of long-polls.</summary>
    public bool WebSocket { get; init; }

    public IReadOnlyList<int> Rates { get; init; } = [500, 1000, 2000, 4000, 8000, 16_000];

    public TimeSpan StepDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Publishers in flight in the throughput scenario; each sends its channels' messages one after another.</summary>
    public int Publishers { get; init; } = 10;

    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(110);

    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public int ConnectConcurrency { get; init; } = 256;

    public int SourceAddresses { get; init; } = 8;

    /// <summary>The server's processes (for Nchan, its worker), whose CPU time a fan-out or throughput run reports; none, no CPU figure.</summary>
    public IReadOnlyList<int> ServerPids { get; init; } = [];
}
