namespace Hark.AspNetCore.Internal.Presence;

/// <summary>
/// This node's part of one client's lease on one channel, under its own lock: how many of its requests hold it, whether
/// the last one closed for good, and what the node last wrote to the store.
/// </summary>
internal sealed class LocalLease(string channel, string client)
{
    public string Channel { get; } = channel;

    public string Client { get; } = client;

    public string? User { get; set; }

    public string Transport { get; set; } = "";

    /// <summary>Requests holding it now (a held poll, a stream, a socket's subscription).</summary>
    public int Holders { get; set; }

    /// <summary>Whether its last holder ended for good (a stream or socket closed) rather than between polls.</summary>
    public bool Closed { get; set; }

    /// <summary>The end the node last wrote to the store (Unix ms, the store's clock); 0 while the store has not got it.</summary>
    public long StoreUntil { get; set; }

    /// <summary>When the node writes it again while it is in use (Unix ms, its own clock).</summary>
    public long RenewAt { get; set; }

    /// <summary>When a long-poll or poll on it last ended (Unix ms, the node's clock): that client stays a grace after it.</summary>
    public long PolledAt { get; set; }

    /// <summary>When a request last began or ended on it (Unix ms, the node's clock).</summary>
    public long SeenAt { get; set; }

    /// <summary>When the node last wrote it (Unix ms, its own clock).</summary>
    public long WrittenAt { get; set; }

    /// <summary>Whether it is in use: held now, or a request came or went after the node last wrote it (a write covers its own millisecond).</summary>
    public bool InUse => Holders > 0 || (!Closed && (StoreUntil == 0 || SeenAt > WrittenAt));

    /// <summary>When the node's last write lapses in the store, by the node's clock: a lease no request holds is forgotten then.</summary>
    public long LapsesAt { get; set; }

    /// <summary>Set when the node has let it go: a request arriving now makes a new one.</summary>
    public bool Removed { get; set; }
}
