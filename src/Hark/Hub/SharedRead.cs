namespace Hark.Hub;

/// <summary>
/// One read shared by every subscriber a change woke at the same position of one channel: the first to ask
/// reads, the others reuse what it read, and an answer made from it (a long-poll body, a stream's frames) is
/// made once and handed to all. A fan-out to N subscribers at one cursor then costs one read and one answer.
/// </summary>
/// <remarks>
/// Reading later than each subscriber would have, and once for all, changes nothing they get: each would have
/// read the same position after the same wake-up, and a read sees every message published before it.
/// </remarks>
internal sealed class SharedRead(IHarkEngine engine, ChannelPosition position, int max, HubChannel? channel, long reports)
{
    private const int MaxAnswers = 4;

    private readonly Lock _gate = new();
    private readonly object?[] _keys = new object?[MaxAnswers];
    private readonly object?[] _answers = new object?[MaxAnswers];
    private Task<ReadBatch>? _read;
    private object? _firstKey;
    private object? _firstAnswer;

    /// <summary>The position every waiter of this read is at.</summary>
    public ChannelPosition Position { get; } = position;

    /// <summary>Their batch size.</summary>
    public int Max { get; } = max;

    /// <summary>The channel's report count when this read began: it stands for the channel only while no other change is reported.</summary>
    public long Reports { get; } = reports;

    /// <summary>
    /// Whether a waiter at <paramref name="position"/> with batch size <paramref name="max"/> may take this read as its own,
    /// now that the channel has had <paramref name="reports"/>: same position and size, no change reported since it
    /// began, and it did not fail (a failed read is not handed on: the next waiter tries the store again).
    /// </summary>
    public bool Matches(ChannelPosition position, int max, long reports) =>
        reports == Reports && Max == max && Position == position && Volatile.Read(ref _read) is not { IsFaulted: true };

    /// <summary>
    /// A read already made: <paramref name="batch"/>, the messages just published on this node right after
    /// <paramref name="position"/> and known to be the channel's newest. It is recorded as the channel's head at once.
    /// </summary>
    public static SharedRead Known(IHarkEngine engine, ChannelPosition position, int max, HubChannel? channel, long reports, ReadBatch batch)
    {
        var read = new SharedRead(engine, position, max, channel, reports) { _read = Task.FromResult(batch) };
        if (channel is not null)
        {
            FanoutHub.Settled(channel, read, batch, reports);
        }
        return read;
    }

    /// <summary>The batch after <see cref="Position"/>, read once for every waiter that asks.</summary>
    public ValueTask<ReadBatch> ReadAsync(CancellationToken cancellationToken)
    {
        var read = Volatile.Read(ref _read);
        if (read is { IsCompletedSuccessfully: true })
        {
            return new ValueTask<ReadBatch>(read.Result);
        }
        return read is null ? ReadFirstAsync(cancellationToken) : new ValueTask<ReadBatch>(read.WaitAsync(cancellationToken));
    }

    private async ValueTask<ReadBatch> ReadFirstAsync(CancellationToken cancellationToken)
    {
        var mine = new TaskCompletionSource<ReadBatch>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _read, mine.Task, null) is { } theirs)
        {
            return await theirs.WaitAsync(cancellationToken);
        }
        try
        {
            // Not the caller's token: the read is every waiter's, and one of them going away must not cancel it.
            var batch = await engine.ReadAsync([Position], Max, CancellationToken.None);
            if (channel is not null)
            {
                // Not cut short: the read reached the newest message, so the woken subscribers' next holds need no read.
                FanoutHub.Settled(channel, this, batch.Messages.Count < Max && batch.Gaps.Count == 0 ? batch : null, Reports);
            }
            mine.SetResult(batch);
            return batch;
        }
        catch (Exception e)
        {
            if (channel is not null)
            {
                FanoutHub.Settled(channel, this, null, Reports);
            }
            mine.SetException(e);
            throw;
        }
    }

    /// <summary>
    /// The answer <paramref name="build"/> makes from <paramref name="batch"/> and <paramref name="state"/>, made once per
    /// <paramref name="key"/> (one key per kind of answer: a long-poll body, an SSE frame…) and then handed to every caller.
    /// <paramref name="build"/> should be static, with what it needs in <paramref name="state"/>: every waiter of a fan-out
    /// calls this, and a capturing lambda would cost each of them a closure for an answer only the first one builds.
    /// </summary>
    public T Answer<TState, T>(object key, ReadBatch batch, TState state, Func<ReadBatch, TState, T> build)
        where T : class
    {
        // Every waiter of a fan-out asks for the same kind of answer: after the first, that one is read without the lock.
        if (ReferenceEquals(Volatile.Read(ref _firstKey), key))
        {
            return (T)_firstAnswer!;
        }
        lock (_gate)
        {
            for (var i = 0; i < MaxAnswers && _keys[i] is { } k; i++)
            {
                if (ReferenceEquals(k, key))
                {
                    return (T)_answers[i]!;
                }
            }
            var answer = build(batch, state);
            var free = Array.IndexOf(_keys, null);
            if (free >= 0)
            {
                _keys[free] = key;
                _answers[free] = answer;
            }
            if (free == 0)
            {
                _firstAnswer = answer;
                // Published after the answer, so whoever sees the key sees its answer.
                Volatile.Write(ref _firstKey, key);
            }
            return answer;
        }
    }
}
