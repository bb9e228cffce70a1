namespace Hark;

/// <summary>The state of a channel.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Messages">Messages in history.</param>
/// <param name="Bytes">Bytes held by those messages.</param>
/// <param name="FirstSeq">The oldest sequence number in history (one past <paramref name="LastSeq"/> when empty).</param>
/// <param name="LastSeq">The newest sequence number published.</param>
/// <param name="Cursor">The channel's current cursor ("now").</param>
/// <param name="Subscribers">Subscribers waiting on it at this moment.</param>
/// <param name="LastPublished">When the newest message in history was published, or null.</param>
public sealed record ChannelInfo(string Channel, int Messages, long Bytes, long FirstSeq, long LastSeq, string Cursor, int Subscribers, DateTimeOffset? LastPublished);
