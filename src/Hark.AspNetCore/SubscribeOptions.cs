namespace Hark.AspNetCore;

/// <summary>Who may subscribe: signed tokens (HS256 JWTs) naming the channels or patterns their bearer may read.</summary>
public sealed class SubscribeOptions
{
    /// <summary>Refuse subscriptions without a valid token (except to <see cref="PublicChannels"/>). Default false.</summary>
    public bool RequireToken { get; set; }

    /// <summary>
    /// HS256 secrets (at least 32 bytes each). A token signed with any of them is accepted, so a new key
    /// can be added before the old one is removed. With none, tokens are not checked at all.
    /// </summary>
    public IList<string> TokenKeys { get; set; } = [];

    /// <summary>Channel patterns that need a token even when <see cref="RequireToken"/> is off, such as <c>user.*</c>.</summary>
    public IList<string> ProtectedChannels { get; set; } = [];

    /// <summary>Channel patterns anyone may read even when tokens are required, such as <c>news.*</c>.</summary>
    public IList<string> PublicChannels { get; set; } = [];

    /// <summary>The claim listing readable channels or patterns (an array, or one space-separated string). Default <c>channels</c>.</summary>
    public string ChannelsClaim { get; set; } = "channels";

    /// <summary>Tolerance for clock differences when checking a token's expiry. Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
