namespace Hark.Client;

/// <summary>What <see cref="HarkClient.WatchPresenceAsync"/> yields: the list, then each join and leave. Each carries the companion channel's cursor after it.</summary>
/// <param name="Cursor">The cursor of <c>~presence.{channel}</c> after this event.</param>
public abstract record HarkPresenceEvent(string Cursor);

/// <summary>The whole list: first, and again after joins or leaves were lost (a gap). It replaces whatever was known.</summary>
/// <param name="Presence">The list as the server answered it.</param>
public sealed record HarkPresenceList(HarkPresence Presence) : HarkPresenceEvent(Presence.Cursor);

/// <summary>A client joined (once while present).</summary>
/// <param name="Client">Who; <see cref="HarkPresentClient.Since"/> is when the join was published.</param>
/// <param name="Cursor">The companion's cursor after it.</param>
public sealed record HarkPresenceJoined(HarkPresentClient Client, string Cursor) : HarkPresenceEvent(Cursor);

/// <summary>A client left.</summary>
/// <param name="Client">Its id.</param>
/// <param name="User">Who its credentials named, or null.</param>
/// <param name="Transport">How it last came.</param>
/// <param name="Reason"><c>closed</c> (its stream or socket ended) or <c>expired</c> (its grace passed, or its node is gone).</param>
/// <param name="Time">When the leave was published.</param>
/// <param name="Cursor">The companion's cursor after it.</param>
public sealed record HarkPresenceLeft(string Client, string? User, string Transport, string Reason, DateTimeOffset Time, string Cursor) : HarkPresenceEvent(Cursor);
