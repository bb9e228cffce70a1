namespace Hark.AspNetCore;

/// <summary>The operator's dashboard at <c>/admin</c> and its API, bound from <c>Hark:Admin</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>
    /// Whether <c>MapHark</c> maps the dashboard at all. Default true: with no <see cref="Keys"/> it answers loopback
    /// callers only (like publishing), so an exposed server shows it to nobody until a key is configured.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Admin keys, sent as <c>Authorization: Bearer {key}</c> (the dashboard asks for one and sends it so). With any key
    /// set, every caller needs one, loopback included. Several keys let one be replaced without a gap.
    /// </summary>
    public IList<string> Keys { get; set; } = [];

    /// <summary>How often the dashboard's snapshot is taken and published while a dashboard is open. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many of the busiest channels a snapshot lists. Default 10 (at most 100).</summary>
    public int TopChannels { get; set; } = 10;
}
