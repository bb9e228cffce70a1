using System.Net;

namespace Hark.Bench.Net;

/// <summary>Hands out loopback source addresses 127.0.0.2 … in turn.</summary>
internal sealed class SourceAddresses(int count)
{
    private int _next;

    public IPAddress Next()
    {
        var i = Interlocked.Increment(ref _next) % Math.Max(count, 1);
        return new IPAddress([127, 0, 0, (byte)(2 + i)]);
    }
}
