namespace Hark.Server.Demos;

/// <summary>
/// Settings of the demo apps served beside Hark (bound from <c>Demos</c>; <c>Demos:Enabled</c>, read by
/// <see cref="DemoApps.IsEnabled"/>, turns them on or off).
/// </summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demos";

    /// <summary>How long a QR login ticket may be used. Default 2 minutes.</summary>
    public TimeSpan QrTicketLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The most login tickets held at once (each lives at most two lifetimes); more gets 503. Default 10,000.</summary>
    public int MaxQrTickets { get; set; } = 10_000;

    /// <summary>How far an identity provider's signed timestamp may be from now. Default 5 minutes.</summary>
    public TimeSpan SignatureWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The secret the identity provider signs its callbacks with (HMAC-SHA256). Empty (the default): a random
    /// one is made at start, which suits the simulated provider that runs in the same process.
    /// </summary>
    public string IdentityProviderSecret { get; set; } = "";

    /// <summary>How long a demo session (and the subscriber token it gets) lasts. Default 30 minutes.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The most devices one simulated upgrade job may have. Default 5000.</summary>
    public int MaxJobDevices { get; set; } = 5000;
}
