using Hark.Hub;

namespace Hark.Tests;

/// <summary>
/// Engine instances ("nodes") on one shared store, each with its own hub and deadline wheel as a Hark server runs
/// them, all disposed together.
/// </summary>
public sealed class EngineNodes : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>Attaches a hub of its own to <paramref name="engine"/> and disposes both with the others.</summary>
    public TEngine Add<TEngine>(TEngine engine) where TEngine : IHarkEngine
    {
        var wheel = new DeadlineWheel(TimeProvider.System, TimeSpan.FromMilliseconds(50));
        var hub = EngineWaits.AttachHub(engine, wheel, TimeProvider.System);
        if (engine is IAsyncDisposable disposable)
        {
            _owned.Add(disposable);
        }
        _owned.Add(new HubDisposer(wheel, hub));
        return engine;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _owned)
        {
            await item.DisposeAsync();
        }
    }

    private sealed class HubDisposer(DeadlineWheel wheel, FanoutHub hub) : IAsyncDisposable
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
