namespace Hark.AspNetCore.Internal.Presence;

/// <summary>What one subscription holds of presence: its lease on each tracked channel, given back when it ends.</summary>
internal sealed class PresenceHold(LocalLease[] leases)
{
    public LocalLease[] Leases { get; } = leases;
}
