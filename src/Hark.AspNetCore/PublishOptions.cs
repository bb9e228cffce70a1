namespace Hark.AspNetCore;

/// <summary>Who may publish (and read channel info or delete channels).</summary>
public sealed class PublishOptions
{
    /// <summary>
    /// Publisher keys, sent as <c>Authorization: Bearer {key}</c>. Several may be valid at once, for
    /// rotation. When none is set, publishing is allowed from loopback addresses only.
    /// </summary>
    public IList<string> Keys { get; set; } = [];

    /// <summary>
    /// Channels reserved to particular keys: a channel matching a rule's pattern (the first that matches) may
    /// be published to only with one of that rule's keys. Channels matching no rule follow <see cref="Keys"/>.
    /// </summary>
    public IList<PublishRule> Rules { get; set; } = [];

    /// <summary>Allow anyone to publish without a key. Default false; for trusted networks and demos only.</summary>
    public bool AllowOpen { get; set; }
}
