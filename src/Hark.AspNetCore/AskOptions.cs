namespace Hark.AspNetCore;

/// <summary>Settings of the request/reply primitive (<c>POST /ask/{channel}</c>, <c>POST /reply/{token}</c>).</summary>
public sealed class AskOptions
{
    /// <summary>How long an ask waits for its reply when it gives no <c>timeout</c>. Default 60 s.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest <c>timeout</c> an ask may give; larger is a 400. Default 120 s.</summary>
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromSeconds(120);
}
