using Hark.Hub;

namespace Hark.AspNetCore.Internal;

/// <summary>Turns a request's cursor (or its absence) into one position per channel.</summary>
internal static class CursorResolver
{
    public static async ValueTask<(IReadOnlyList<ChannelPosition>? Positions, Problem? Problem)> ResolveAsync(
        SubscribeRequest request, FanoutHub hub, CancellationToken cancellationToken)
    {
        var channels = request.Channels;
        if (request.Cursor is null)
        {
            return (await hub.StartAsync(channels, request.Start, cancellationToken), null);
        }
        if (Cursor.TryParse(request.Cursor, out var epoch, out var seq))
        {
            if (channels.Count != 1)
            {
                return (null, Problem.InvalidCursor(
                    "This cursor is for one channel; a subscription to several channels resumes from the cursor it was given."));
            }
            // An array, which the hub keeps as it is (a list expression would be copied into one for every poll).
            ChannelPosition[] position = [new ChannelPosition(channels[0], epoch, seq)];
            return (position, null);
        }
        if (!Cursor.TryParseToken(request.Cursor, out var positions))
        {
            return (null, Problem.InvalidCursor(
                $"'{Problem.Shorten(request.Cursor)}' is not a cursor: use one this server returned, or 'oldest', or leave it out."));
        }
        if (positions.Count != channels.Count)
        {
            return (null, ForeignCursor());
        }
        var ordered = new ChannelPosition[channels.Count];
        for (var i = 0; i < channels.Count; i++)
        {
            var match = positions.FirstOrDefault(p => string.Equals(p.Channel, channels[i], StringComparison.Ordinal));
            if (match.Channel is null)
            {
                return (null, ForeignCursor());
            }
            ordered[i] = match;
        }
        return (ordered, null);
    }

    private static Problem ForeignCursor() => Problem.InvalidCursor(
        "This cursor is for another set of channels; subscribe to the same channels or start without a cursor.");
}
