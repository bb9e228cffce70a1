using Hark.Hub;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// Turns Nchan message ids into Hark positions and back (<see cref="NchanMessageId"/>). An id does not carry the engine
/// instance, only a check of it; the instance is learnt from the epochs this door writes ids for, or, before the first,
/// from the engine (one start position), and again when an id's check does not match (the redis engine gets a new
/// instance when Redis lost its data).
/// </summary>
internal sealed class NchanIds(FanoutHub hub)
{
    private long _instance;
    private volatile bool _known;

    /// <summary>The id of a position (a message's, or where a subscriber stands); null when it cannot be written as one.</summary>
    public NchanMessageId? Of(Epoch epoch, long seq)
    {
        if (!NchanMessageId.Fits(epoch, seq))
        {
            return null;
        }
        if (!_known || Volatile.Read(ref _instance) != epoch.Instance)
        {
            Volatile.Write(ref _instance, epoch.Instance);
            _known = true;
        }
        return NchanMessageId.From(epoch, seq);
    }

    public NchanMessageId? Of(ChannelPosition position) => Of(position.Epoch, position.Seq);

    /// <summary>The Hark cursor an id names on <paramref name="channel"/>: a position in the current history, or, for a foreign id, one the engine reads as a reset.</summary>
    public async ValueTask<string> CursorAsync(string channel, NchanMessageId id, CancellationToken cancellationToken)
    {
        if (!_known || !id.IsOf(Volatile.Read(ref _instance)))
        {
            var start = await hub.StartAsync([channel], StartPoint.Now, cancellationToken);
            Of(start[0]);
        }
        return id.ToPosition(channel, Volatile.Read(ref _instance)).Cursor;
    }
}
