namespace Hark.AspNetCore.Internal.Presence;

/// <summary>
/// This node's part of one client's lease on one channel, under its own lock: how many of its requests hold it, until when
/// it lingers once none does, and what the node last wrote to the store.
/// </summary>
internal sealed class LocalLease(string channel, string client)
{
    public string Channel { get; } = channel;

    public string Client { get; } = client;

    public string? User { get; set; }

    public string Transport { get; set; } = "";

    /// <summary>Requests holding it now (a held poll, a stream, a socket's subscription).</summary>
    public int Holders { get; set; }

    /// <summary>Once no request holds it, until when it stays (Unix ms); the moment it was let go when it ends at once.</summary>
    public long LingerUntil { get; set; }

    /// <summary>Whether its last holder ended for good (a stream or socket closed) rather than between polls.</summary>
    public bool Closed { get; set; }

    /// <summary>The end the node last wrote to the store (Unix ms, the store's clock); 0 while the store has not got it.</summary>
    public long StoreUntil { get; set; }

    /// <summary>When the node writes it again (Unix ms, its own clock).</summary>
    public long RenewAt { get; set; }

    /// <summary>Set when the node has let it go: a request arriving now makes a new one.</summary>
    public bool Removed { get; set; }

    public bool IsAlive(long now) => Holders > 0 || now < LingerUntil;
}
