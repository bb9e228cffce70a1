namespace Hark.Bench.Targets;

/// <summary>One WebSocket subscriber: where it connects, and how it reads its server's messages.</summary>
internal abstract class WebSocketSubscriber
{
    /// <summary>The <c>ws://</c> address that opens the subscription.</summary>
    public abstract Uri Uri { get; }

    /// <summary>Takes one whole WebSocket message: the bench payload it carried, or null for a frame that carries none.</summary>
    public abstract BenchPayload? Accept(ReadOnlySpan<byte> message);
}
