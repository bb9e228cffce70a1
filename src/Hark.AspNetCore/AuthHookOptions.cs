namespace Hark.AspNetCore;

/// <summary>The authorization hook (<c>Hark:Auth:Hook:*</c>): the application's URL that Hark asks about each subscription.</summary>
public sealed class AuthHookOptions
{
    /// <summary>The URL Hark POSTs each new subscription to. Default none (no hook).</summary>
    public string? Url { get; set; }

    /// <summary>How long Hark waits for the hook's answer; past it the subscription is refused with 503. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most calls to the hook in flight at once; more wait their turn within <see cref="Timeout"/>. Default 64.</summary>
    public int Concurrency { get; set; } = 64;

    /// <summary>The subscriber's request headers passed on to the hook (an allow-list). Default <c>Cookie</c> and <c>Authorization</c>.</summary>
    public IList<string> ForwardHeaders { get; set; } = [];

    /// <summary>How long a grant lasts when the hook's answer names no <c>expires</c>. Default 5 min.</summary>
    public TimeSpan GrantLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a grant may last, whatever the hook's <c>expires</c> says. Default 1 h.</summary>
    public TimeSpan MaxGrantLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether publishes (after the publisher-key checks) are also put to the hook. Default false.</summary>
    public bool OnPublish { get; set; }
}
