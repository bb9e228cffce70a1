namespace Hark.Hub;

/// <summary>
/// The one timer for every poll deadline and stream heartbeat: a ring of slots advanced by a single
/// periodic timer. Scheduling and cancelling are O(1); a tick expires a whole slot outside the lock.
/// On shutdown it answers every waiter at once and refuses new ones.
/// </summary>
internal sealed class DeadlineWheel : IDisposable
{
    private const int SlotCount = 1024;

    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter>[] _slots = new LinkedList<Waiter>[SlotCount];
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly ITimer _timer;
    private long _processedTick;
    private int _count;
    private bool _stopped;

    public DeadlineWheel(TimeProvider time, TimeSpan resolution)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resolution, TimeSpan.Zero);
        _time = time;
        Resolution = resolution;
        for (var i = 0; i < SlotCount; i++)
        {
            _slots[i] = new LinkedList<Waiter>();
        }
        _start = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((DeadlineWheel)s!).Tick(), this, resolution, resolution);
    }

    public TimeSpan Resolution { get; }

    /// <summary>Waiters holding a deadline now.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool IsStopped
    {
        get
        {
            lock (_gate)
            {
                return _stopped;
            }
        }
    }

    /// <summary>Arms a deadline; false when the wheel has stopped (the caller answers as stopping).</summary>
    public bool Schedule(Waiter waiter, TimeSpan timeout)
    {
        var ticks = Math.Max(1, (long)Math.Ceiling(timeout / Resolution));
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }
            // The current tick is rounded down, so one more keeps a deadline from ever firing early.
            var due = CurrentTick() + ticks + 1;
            // A deadline is never in a slot the wheel has already passed.
            due = Math.Max(due, _processedTick + 1);
            waiter.DeadlineTick = due;
            waiter.WheelNode = _slots[due % SlotCount].AddLast(waiter);
            _count++;
            return true;
        }
    }

    public void Cancel(Waiter waiter)
    {
        var node = waiter.WheelNode;
        if (node is null)
        {
            return;
        }
        lock (_gate)
        {
            if (node.List is not null)
            {
                node.List.Remove(node);
                _count--;
            }
            waiter.WheelNode = null;
        }
    }

    /// <summary>Answers every waiter with <see cref="WakeReason.Stopping"/> and refuses new ones.</summary>
    public int Stop()
    {
        List<Waiter> all = [];
        lock (_gate)
        {
            _stopped = true;
            foreach (var slot in _slots)
            {
                all.AddRange(slot);
                slot.Clear();
            }
            _count = 0;
        }
        return WakeBatch.Wake(all, new WakeResult(WakeReason.Stopping));
    }

    internal void Tick()
    {
        List<Waiter>? due = null;
        lock (_gate)
        {
            var now = CurrentTick();
            // After a long stall no more than one lap is needed: every slot is visited once.
            var from = Math.Max(_processedTick + 1, now - SlotCount + 1);
            for (var tick = from; tick <= now; tick++)
            {
                var slot = _slots[tick % SlotCount];
                var node = slot.First;
                while (node is not null)
                {
                    var next = node.Next;
                    if (node.Value.DeadlineTick <= now)
                    {
                        slot.Remove(node);
                        node.Value.WheelNode = null;
                        _count--;
                        (due ??= []).Add(node.Value);
                    }
                    node = next;
                }
            }
            _processedTick = Math.Max(_processedTick, now);
        }
        if (due is not null)
        {
            // Deadlines come in waves (every poll of a quiet channel ends together): wake them in batches.
            WakeBatch.Wake(due, new WakeResult(WakeReason.Timeout));
        }
    }

    private long CurrentTick() => (long)(_time.GetElapsedTime(_start) / Resolution);

    public void Dispose() => _timer.Dispose();
}
