namespace Hark.AspNetCore;

/// <summary>Which publisher keys may publish to (and read info of, or delete) the channels matching a pattern.</summary>
public sealed class PublishRule
{
    /// <summary>A channel pattern, such as <c>billing.*</c> (<c>*</c> stands for any characters).</summary>
    public string Pattern { get; set; } = "";

    /// <summary>The keys allowed on matching channels; no other key is, the general <see cref="PublishOptions.Keys"/> included.</summary>
    public IList<string> Keys { get; set; } = [];
}
