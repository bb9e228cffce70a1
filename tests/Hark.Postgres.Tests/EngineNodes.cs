using Hark.Hub;
using Hark.Tests;
using Hark.Postgres.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hark.Postgres.Tests;

/// <summary>Engine instances ("nodes") on one database, each with its own hub and deadline wheel, all disposed together.</summary>
public sealed class EngineNodes(string connectionString, HistoryOptions history) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    internal PostgresEngine NewNode(string? otherConnectionString = null)
    {
        var wheel = new DeadlineWheel(TimeProvider.System, TimeSpan.FromMilliseconds(50));
        var engine = new PostgresEngine(new PostgresOptions { ConnectionString = otherConnectionString ?? connectionString },
            history, EngineLimits.Default, TimeProvider.System, NullLogger<PostgresEngine>.Instance);
        var hub = EngineWaits.AttachHub(engine, wheel, TimeProvider.System);
        _owned.Add(engine);
        _owned.Add(new WheelDisposer(wheel, hub));
        return engine;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _owned)
        {
            await item.DisposeAsync();
        }
    }

    private sealed class WheelDisposer(DeadlineWheel wheel, FanoutHub hub) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            hub.Stop();
            hub.Dispose();
            wheel.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
