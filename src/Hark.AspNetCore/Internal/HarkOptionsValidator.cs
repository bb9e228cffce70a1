using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>Checks settings at start-up, so a bad value stops the server with a clear message instead of misbehaving later.</summary>
internal sealed class HarkOptionsValidator : IValidateOptions<HarkOptions>
{
    public ValidateOptionsResult Validate(string? name, HarkOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }
        var (history, poll, streams, limits) = (options.History, options.Poll, options.Streams, options.Limits);
        Require(history.MaxMessages >= 1, "Hark:History:MaxMessages must be at least 1.");
        Require(history.MaxBytes >= 1024, "Hark:History:MaxBytes must be at least 1024.");
        Require(history.MaxAge > TimeSpan.Zero, "Hark:History:MaxAge must be positive.");
        Require(history.SweepInterval > TimeSpan.Zero, "Hark:History:SweepInterval must be positive.");
        Require(history.MaxTombstones >= 0, "Hark:History:MaxTombstones must be 0 or more.");
        Require(poll.MaxTimeout > TimeSpan.Zero, "Hark:Poll:MaxTimeout must be positive.");
        Require(options.Tracing.DeliverySampleRate is >= 0 and <= 1, "Hark:Tracing:DeliverySampleRate must be between 0 and 1.");
        Require(options.Admin.Interval >= TimeSpan.FromMilliseconds(100) && options.Admin.Interval <= TimeSpan.FromMinutes(1), "Hark:Admin:Interval must be between 100 ms and 1 minute.");
        Require(options.Admin.TopChannels is >= 1 and <= 100, "Hark:Admin:TopChannels must be between 1 and 100.");
        var ask = options.Ask;
        Require(ask.DefaultTimeout > TimeSpan.Zero && ask.DefaultTimeout <= ask.MaxTimeout, "Hark:Ask:DefaultTimeout must be positive and at most Hark:Ask:MaxTimeout.");
        Require(ask.MaxTimeout < history.MaxAge, "Hark:Ask:MaxTimeout must be shorter than Hark:History:MaxAge: a question's reply channel must outlive it.");
        Require(poll.DefaultTimeout >= TimeSpan.Zero && poll.DefaultTimeout <= poll.MaxTimeout, "Hark:Poll:DefaultTimeout must be between 0 and Hark:Poll:MaxTimeout.");
        Require(poll.MaxBatch >= 1, "Hark:Poll:MaxBatch must be at least 1.");
        Require(poll.DefaultBatch >= 1 && poll.DefaultBatch <= poll.MaxBatch, "Hark:Poll:DefaultBatch must be between 1 and Hark:Poll:MaxBatch.");
        Require(poll.TimerResolution >= TimeSpan.FromMilliseconds(1) && poll.TimerResolution <= TimeSpan.FromSeconds(1), "Hark:Poll:TimerResolution must be from 1 ms to 1 s.");
        Require(streams.HeartbeatInterval > TimeSpan.Zero, "Hark:Streams:HeartbeatInterval must be positive.");
        Require(streams.WriteTimeout > TimeSpan.Zero, "Hark:Streams:WriteTimeout must be positive.");
        Require(streams.ReconnectDelay >= TimeSpan.Zero, "Hark:Streams:ReconnectDelay must be 0 or more.");
        // A several-channel cursor carries each name and position; 17 of the longest fit in Cursor.MaxLength.
        Require(limits.MaxChannelsPerRequest is >= 1 and <= 17, "Hark:Limits:MaxChannelsPerRequest must be from 1 to 17 (the cursor of a subscription carries every channel's name and position and must fit in 4096 characters).");
        Require(limits.MaxMessageBytes >= 1 && limits.MaxMessageBytes * 4L + 512 <= history.MaxBytes,
            "Hark:Limits:MaxMessageBytes must be positive and fit in Hark:History:MaxBytes (a message is held in up to four times its size: raw, escaped, and in its two wire forms).");
        Require(limits.MaxBatchBytes >= limits.MaxMessageBytes, "Hark:Limits:MaxBatchBytes must be at least Hark:Limits:MaxMessageBytes.");
        Require(limits.MaxBatchMessages >= 1, "Hark:Limits:MaxBatchMessages must be at least 1.");
        Require(limits.MaxHeldPerAddress >= 1 && limits.NewSubscriptionsPerSecond >= 1 && limits.NewSubscriptionsBurst >= 1
            && limits.PublishesPerSecond >= 1 && limits.PublishBurst >= 1 && limits.MaxChannels >= 1 && limits.MaxSubscribersPerChannel >= 1,
            "Hark:Limits: every rate, burst and count must be at least 1.");
        Require(limits.MaxHistoryBytes >= history.MaxBytes, "Hark:Limits:MaxHistoryBytes must be at least Hark:History:MaxBytes.");
        var socket = options.WebSocket;
        Require(socket.KeepAliveInterval > TimeSpan.Zero, "Hark:WebSocket:KeepAliveInterval must be positive.");
        Require(socket.KeepAliveTimeout > TimeSpan.Zero || socket.KeepAliveTimeout == Timeout.InfiniteTimeSpan,
            "Hark:WebSocket:KeepAliveTimeout must be positive (or -00:00:00.001 for none).");
        Require(socket.SendTimeout > TimeSpan.Zero, "Hark:WebSocket:SendTimeout must be positive.");
        Require(socket.SendQueueFrames >= 1, "Hark:WebSocket:SendQueueFrames must be at least 1.");
        Require(socket.MaxFrameBytes >= 1024, "Hark:WebSocket:MaxFrameBytes must be at least 1024.");
        Require(socket.MaxSubscriptions >= 1, "Hark:WebSocket:MaxSubscriptions must be at least 1.");
        var subscribe = options.Subscribe;
        var auth = options.Auth;
        var anyKey = subscribe.TokenKeys.Count > 0 || auth.PublicKeys.Count > 0 || !string.IsNullOrEmpty(auth.Jwks.Url) || !string.IsNullOrEmpty(auth.Hook.Url);
        const string KeySources = "Hark:Subscribe:TokenKeys, Hark:Auth:PublicKeys, Hark:Auth:Jwks:Url or Hark:Auth:Hook:Url";
        Require(!subscribe.RequireToken || anyKey, $"Hark:Subscribe:RequireToken needs one of {KeySources}.");
        Require(auth.PublicKeys.All(IsPublicKey), "Hark:Auth:PublicKeys entries are RSA or EC public keys in PEM (-----BEGIN PUBLIC KEY-----), or paths of files holding one.");
        Require(string.IsNullOrEmpty(auth.Jwks.Url) || Uri.TryCreate(auth.Jwks.Url, UriKind.Absolute, out var jwks) && jwks.Scheme is "http" or "https",
            "Hark:Auth:Jwks:Url must be an absolute http or https URL.");
        Require(auth.Jwks.RefreshInterval > TimeSpan.Zero && auth.Jwks.MinRefreshInterval >= TimeSpan.Zero && auth.Jwks.Timeout > TimeSpan.Zero,
            "Hark:Auth:Jwks: RefreshInterval and Timeout must be positive, MinRefreshInterval 0 or more.");
        var hook = auth.Hook;
        Require(string.IsNullOrEmpty(hook.Url) || Uri.TryCreate(hook.Url, UriKind.Absolute, out var hookUrl) && hookUrl.Scheme is "http" or "https",
            "Hark:Auth:Hook:Url must be an absolute http or https URL.");
        Require(hook.Timeout > TimeSpan.Zero && hook.Concurrency >= 1, "Hark:Auth:Hook: Timeout must be positive and Concurrency at least 1.");
        Require(hook.GrantLifetime > TimeSpan.Zero && hook.MaxGrantLifetime >= hook.GrantLifetime,
            "Hark:Auth:Hook: GrantLifetime must be positive and at most MaxGrantLifetime.");
        Require(string.IsNullOrEmpty(auth.GrantKey) || System.Text.Encoding.UTF8.GetByteCount(auth.GrantKey) >= 32,
            "Hark:Auth:GrantKey must be at least 32 bytes.");
        Require(subscribe.TokenKeys.All(k => System.Text.Encoding.UTF8.GetByteCount(k) >= 32), "Hark:Subscribe:TokenKeys must each be at least 32 bytes (HS256 keys of 256 bits).");
        Require(subscribe.PublicChannels.All(p => ChannelPattern.IsValid(p)), "Hark:Subscribe:PublicChannels entries are channel names in which * stands for any characters.");
        Require(subscribe.ProtectedChannels.All(p => ChannelPattern.IsValid(p)), "Hark:Subscribe:ProtectedChannels entries are channel names in which * stands for any characters.");
        Require(subscribe.ProtectedChannels.Count == 0 || anyKey, $"Hark:Subscribe:ProtectedChannels needs one of {KeySources}.");
        Require(options.Publish.Rules.All(r => ChannelPattern.IsValid(r.Pattern) && r.Keys.Count > 0 && r.Keys.All(k => k.Length > 0)),
            "Hark:Publish:Rules: each rule needs a Pattern (a channel name in which * stands for any characters) and at least one key.");
        Require(history.LatestValueChannels.All(ChannelPattern.IsValid), "Hark:History:LatestValueChannels entries are channel names in which * stands for any characters.");
        Require(!string.IsNullOrWhiteSpace(subscribe.ChannelsClaim), "Hark:Subscribe:ChannelsClaim must name a claim.");
        foreach (var origin in options.Cors.Origins)
        {
            Require(origin == "*" || Uri.TryCreate(origin, UriKind.Absolute, out _), $"Hark:Cors:Origins: '{origin}' is not an origin such as https://app.example.com.");
        }
        var nchan = options.Nchan;
        Require(Nchan.NchanStart.TryParse(nchan.SubscriberFirstMessage, out _),
            "Hark:Nchan:SubscriberFirstMessage must be oldest, newest, or -N (start with the N newest messages).");
        Require(nchan.Prefix.Length > 1 && nchan.Prefix.StartsWith('/') && !nchan.Prefix.EndsWith('/'),
            "Hark:Nchan:Prefix must be a path such as /nchan (not the root: /sub and /pub there are Hark's own).");
        var presence = options.Presence;
        Require(presence.Channels.All(p => ChannelPattern.IsValid(p) && !p.StartsWith('~')),
            "Hark:Presence:Channels are channel patterns (room.*), none of the server's own (~).");
        Require(presence.Grace >= TimeSpan.FromMilliseconds(200) && presence.Grace <= TimeSpan.FromHours(1), "Hark:Presence:Grace is from 200 ms to 1 hour.");
        Require(presence.MaxListed is >= 0 and <= 10_000, "Hark:Presence:MaxListed is from 0 to 10000.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsPublicKey(string pemOrPath)
    {
        try
        {
            Auth.SigningKeys.ReadPem(pemOrPath);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
