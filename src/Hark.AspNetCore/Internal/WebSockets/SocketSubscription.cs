namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// One subscription on a socket: a <c>/sub</c> stream of its own (channels, one cursor, a batch size) held through the
/// hub by its own loop. A channel is in at most one subscription of a socket, so a message's channel names its subscription.
/// </summary>
internal sealed class SocketSubscription(string? id, IReadOnlyList<string> channels, IReadOnlyList<ChannelPosition> positions, int max)
{
    /// <summary>The subscribe command's <c>id</c> (its JSON text), echoed in the frames about this subscription.</summary>
    public string? Id { get; } = id;

    public IReadOnlyList<string> Channels { get; } = channels;

    /// <summary>Where the frames queued so far leave the client; only the loop moves it.</summary>
    public SubscriptionCursor Cursor { get; } = new(positions);

    public int Max { get; } = max;

    /// <summary>When the grant it runs under expires (null when none: no hook, or a token): then the hook is asked again.</summary>
    public DateTimeOffset? Until { get; set; }

    /// <summary>Ends the loop: on unsubscribe, and when the socket ends.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>The loop, once started.</summary>
    public Task Loop { get; set; } = Task.CompletedTask;

    public bool Has(string channel) => Channels.Contains(channel, StringComparer.Ordinal);
}
