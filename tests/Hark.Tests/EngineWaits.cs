using System.Runtime.CompilerServices;
using Hark.Hub;

namespace Hark.Tests;

/// <summary>Tests wait on an engine as the server does: through a hub attached to it.</summary>
internal static class EngineWaits
{
    private static readonly ConditionalWeakTable<IHarkEngine, FanoutHub> Hubs = [];

    /// <summary>Attaches a hub to <paramref name="engine"/>; its waits then go through it.</summary>
    public static FanoutHub AttachHub(IHarkEngine engine, DeadlineWheel wheel, TimeProvider time, int maxSubscribersPerChannel = int.MaxValue)
    {
        var hub = new FanoutHub(engine, wheel, time, maxSubscribersPerChannel);
        Hubs.AddOrUpdate(engine, hub);
        return hub;
    }

    public static FanoutHub HubOf(IHarkEngine engine) =>
        Hubs.TryGetValue(engine, out var hub) ? hub : throw new InvalidOperationException("No hub is attached to this engine.");

    /// <summary>
    /// Waits until <paramref name="count"/> holds on <paramref name="engine"/>'s hub have read and wait: a change made
    /// after this is one they hear of, not one their first read finds.
    /// </summary>
    public static async Task UntilHeldAsync(IHarkEngine engine, int count, TimeSpan patience)
    {
        var hub = HubOf(engine);
        using var timeout = new CancellationTokenSource(patience);
        while (hub.Held < count)
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>Holds until something is after <paramref name="after"/> (and reads it), as a long-poll does; says how it ended.</summary>
    public static async ValueTask<WakeResult> WaitAsync(this IHarkEngine engine, IReadOnlyList<ChannelPosition> after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var held = await HubOf(engine).HoldAsync(after, 100, timeout, cancellationToken);
        return new WakeResult(held.Reason, held.Channel);
    }
}
