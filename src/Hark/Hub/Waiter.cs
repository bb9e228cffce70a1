using System.Threading.Tasks.Sources;

namespace Hark.Hub;

/// <summary>
/// One held subscriber: no thread, just an awaitable that the first of publish, deadline, delete,
/// cancellation or shutdown completes. Later signals are ignored.
/// </summary>
internal sealed class Waiter : IValueTaskSource<WakeResult>
{
    private ManualResetValueTaskSourceCore<WakeResult> _core = new() { RunContinuationsAsynchronously = true };
    private int _signalled;
    private HubRegistration _first;
    private readonly HubRegistration[]? _more;

    /// <summary>A waiter for the wheel alone, with no positions.</summary>
    public Waiter()
        : this([], 1)
    {
    }

    public Waiter(IReadOnlyList<ChannelPosition> positions, int max)
    {
        // Kept as an array: the hub reads a waiter's positions on every wake and registration, and an interface
        // over several list types costs a dispatch stub each time (seen in the fan-out's profile).
        Positions = positions as ChannelPosition[] ?? [.. positions];
        Max = max;
        // Nearly every waiter has one channel: its registration is kept in a field, with no array to allocate.
        _more = Positions.Length > 1 ? new HubRegistration[Positions.Length - 1] : null;
    }

    /// <summary>Where the subscriber stands on each of its channels.</summary>
    public ChannelPosition[] Positions { get; }

    /// <summary>The most messages its answer may carry.</summary>
    public int Max { get; }

    /// <summary>Its place in each channel's list of waiters, in the order of <see cref="Positions"/>.</summary>
    internal HubRegistration Registration(int index) => index == 0 ? _first : _more![index - 1];

    /// <summary>Records its place in the list of the channel of <see cref="Positions"/>[<paramref name="index"/>].</summary>
    internal void Register(int index, HubRegistration registration)
    {
        if (index == 0)
        {
            _first = registration;
        }
        else
        {
            _more![index - 1] = registration;
        }
        Registered = index + 1;
    }

    /// <summary>How many of the registrations are made.</summary>
    internal int Registered { get; set; }

    /// <summary>The wheel slot this waiter sits in, while it has a deadline.</summary>
    internal LinkedListNode<Waiter>? WheelNode { get; set; }

    /// <summary>The wheel tick at which the deadline passes.</summary>
    internal long DeadlineTick { get; set; }

    public bool IsSignalled => Volatile.Read(ref _signalled) != 0;

    public ValueTask<WakeResult> Task => new(this, _core.Version);

    /// <summary>Completes the wait, unless something else already did; its continuation is queued to the thread pool.</summary>
    public bool TrySignal(WakeResult result)
    {
        if (!TryClaim())
        {
            return false;
        }
        Complete(result, inline: false);
        return true;
    }

    /// <summary>Makes this caller the one that completes the wait; false when another signal came first.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref _signalled, 1) == 0;

    /// <summary>
    /// Completes a claimed wait. With <paramref name="inline"/> the continuation (the subscriber's answer)
    /// runs on this thread before this returns: for callers that wake many waiters in one pass, off any lock.
    /// </summary>
    public void Complete(WakeResult result, bool inline)
    {
        _core.RunContinuationsAsynchronously = !inline;
        _core.SetResult(result);
    }

    WakeResult IValueTaskSource<WakeResult>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<WakeResult>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<WakeResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
