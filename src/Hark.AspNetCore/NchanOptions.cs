namespace Hark.AspNetCore;

/// <summary>The Nchan-compatible door (<c>MapNchanCompat</c>): Nchan's publisher API and NchanSubscriber.js's transports on Hark's channels.</summary>
public sealed class NchanOptions
{
    /// <summary>Whether the server (Hark.Server) maps the door. An application that calls <c>MapNchanCompat</c> itself maps it regardless. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Where the server maps the door: <c>{Prefix}/sub/{channel}</c> and <c>{Prefix}/pub/{channel}</c>. Default <c>/nchan</c>.</summary>
    public string Prefix { get; set; } = "/nchan";

    /// <summary>
    /// Where a subscriber that names no message id starts, as Nchan's <c>nchan_subscriber_first_message</c>:
    /// <c>oldest</c> (the default, as in Nchan 1.x: the oldest message still in the channel's history), <c>newest</c>
    /// (only what is published after it subscribes), or <c>-N</c> (the N newest messages, then what follows).
    /// </summary>
    public string SubscriberFirstMessage { get; set; } = "oldest";
}
