using System.Text;
using Hark.Hub;
using Hark.Memory;

namespace Hark.Micro;

/// <summary>What the benchmarks share: a memory engine and its hub, with one channel and one message in it, and a re-poll's head.</summary>
internal sealed class Samples : IDisposable
{
    public const string Channel = "fanout123456";

    public Samples()
    {
        Wheel = new DeadlineWheel(TimeProvider.System, TimeSpan.FromMilliseconds(100));
        Engine = new MemoryEngine(new HistoryOptions(), TimeProvider.System);
        Hub = new FanoutHub(Engine, Wheel, TimeProvider.System, int.MaxValue);
        Start = Engine.GetStartAsync([Channel], StartPoint.Now, default).AsTask().GetAwaiter().GetResult();
        Engine.PublishAsync(new PublishRequest(Channel, null, MessagePayload.FromText("{\"index\":7,\"sent\":1234567890123}")), default)
            .AsTask().GetAwaiter().GetResult();
        Batch = Engine.ReadAsync(Start, 100, default).AsTask().GetAwaiter().GetResult();
        // What a subscriber sends for its next poll, as the bench's load generator and hark.js do.
        RePoll = Encoding.ASCII.GetBytes(
            $"GET /sub/{Channel}?cursor={Start[0].Cursor}&timeout=60 HTTP/1.1\r\nHost: 127.0.0.1:8090\r\nAccept: */*\r\n\r\n");
    }

    public DeadlineWheel Wheel { get; }

    public MemoryEngine Engine { get; }

    /// <summary>The hub attached to <see cref="Engine"/>: the polls wait in it.</summary>
    public FanoutHub Hub { get; }

    /// <summary>The channel's position before its one message.</summary>
    public IReadOnlyList<ChannelPosition> Start { get; }

    /// <summary>The batch a poll from <see cref="Start"/> gets: the one message.</summary>
    public ReadBatch Batch { get; }

    public byte[] RePoll { get; }

    public void Dispose()
    {
        Hub.Dispose();
        Engine.Dispose();
        Wheel.Dispose();
    }
}
