using Hark.Internal;

namespace Hark.Memory;

internal sealed partial class MemoryEngine
{
    public async ValueTask<WakeResult> WaitAsync(IReadOnlyList<ChannelPosition> after, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (cancellationToken.IsCancellationRequested)
        {
            return new WakeResult(WakeReason.Cancelled);
        }
        var waiter = new Waiter();
        var registrations = new (MemoryChannel Channel, LinkedListNode<Waiter> Node)[after.Count];
        var registered = 0;
        try
        {
            foreach (var position in after)
            {
                MemoryChannel? full;
                try
                {
                    if (!TryRegister(position, waiter, out registrations[registered], out full))
                    {
                        return full is null ? new WakeResult(WakeReason.Ready) : new WakeResult(WakeReason.Refused, full.Name);
                    }
                }
                catch (HarkLimitException)
                {
                    return new WakeResult(WakeReason.Refused, position.Channel);
                }
                registered++;
            }
            if (!_wheel.Schedule(waiter, timeout))
            {
                return new WakeResult(WakeReason.Stopping);
            }
            using var cancellation = cancellationToken.UnsafeRegister(
                static s => ((Waiter)s!).TrySignal(new WakeResult(WakeReason.Cancelled)), waiter);
            return await waiter.Task;
        }
        finally
        {
            _wheel.Cancel(waiter);
            for (var i = 0; i < registered; i++)
            {
                Unregister(registrations[i].Channel, registrations[i].Node);
            }
        }
    }

    /// <summary>Adds the waiter to the channel unless something is already after the position.</summary>
    private bool TryRegister(ChannelPosition position, Waiter waiter, out (MemoryChannel, LinkedListNode<Waiter>) registration, out MemoryChannel? full)
    {
        full = null;
        while (true)
        {
            var channel = GetOrCreate(position.Channel);
            lock (channel.Gate)
            {
                if (channel.Dead)
                {
                    continue;
                }
                EvictAged(channel);
                var (from, gap) = Normalize(StateOf(channel), position);
                if (gap is not null || from < channel.LastSeq)
                {
                    registration = default;
                    return false;
                }
                if (channel.Waiters.Count >= _limits.MaxSubscribersPerChannel)
                {
                    registration = default;
                    full = channel;
                    return false;
                }
                registration = (channel, channel.Waiters.AddLast(waiter));
                return true;
            }
        }
    }

    private static void Unregister(MemoryChannel channel, LinkedListNode<Waiter> node)
    {
        // A publish or delete swaps the whole list out; then the node is no longer in the
        // channel's current list and there is nothing to remove (and no lock to take).
        if (node.List is null || !ReferenceEquals(node.List, channel.Waiters))
        {
            return;
        }
        lock (channel.Gate)
        {
            if (ReferenceEquals(node.List, channel.Waiters))
            {
                channel.Waiters.Remove(node);
            }
        }
    }
}
