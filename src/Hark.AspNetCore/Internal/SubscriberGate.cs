using System.Text.Json;
using Hark.AspNetCore.Internal.Admin;
using Hark.AspNetCore.Internal.Auth;
using Hark.AspNetCore.Internal.Presence;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Decides who may read which channels, for every front door: a grant the authorization hook issued earlier, a valid
/// token (from <c>Authorization: Bearer</c> or <c>?token=</c>, as EventSource cannot set headers; HS256, or RS256/ES256
/// from the application's issuer) whose claim names the channels or patterns, or the hook itself; public patterns need
/// none. Missing or invalid credentials are 401, valid ones without the channel 403, an issuer or hook that cannot be
/// reached 503. The server's own channels (<c>~admin.</c>) take the admin key instead, over HTTP only
/// (<see cref="AdminGate"/>).
/// </summary>
internal sealed class SubscriberGate
{
    private static readonly Problem MissingToken = new(StatusCodes.Status401Unauthorized, "missing-token", "Subscriber token required",
        "Send a token as 'Authorization: Bearer {token}' or '?token={token}'.");

    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters _template;
    private readonly SigningKeys _keys;
    private readonly SubscribeOptions _options;
    private readonly string _algorithms;
    private readonly AuthorizationHook _hook;
    private readonly GrantSigner _grants;
    private readonly TimeProvider _time;
    private readonly bool _everyChannel;
    private readonly AdminGate _admin;
    private KeyedParameters? _parameters;

    public SubscriberGate(IOptions<HarkOptions> options, SigningKeys keys, AuthorizationHook hook, GrantSigner grants, AdminGate admin, TimeProvider time)
    {
        _admin = admin;
        _options = options.Value.Subscribe;
        _keys = keys;
        _hook = hook;
        _grants = grants;
        _time = time;
        // A hook with nothing else said decides every channel but the public ones.
        _everyChannel = _options.RequireToken || (hook.Enabled && _options.ProtectedChannels.Count == 0);
        var auth = options.Value.Auth;
        List<string> algorithms = [];
        if (keys.HasSymmetric)
        {
            algorithms.Add(SecurityAlgorithms.HmacSha256);
        }
        if (keys.HasAsymmetric)
        {
            algorithms.AddRange([SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256]);
        }
        _algorithms = string.Join(" or ", algorithms);
        _template = new TokenValidationParameters
        {
            // An alg the keys do not stand for is refused before any key is tried: no HS256 token "signed" with a public key.
            ValidAlgorithms = algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ValidateIssuer = !string.IsNullOrEmpty(auth.Issuer),
            ValidIssuer = auth.Issuer,
            ValidateAudience = !string.IsNullOrEmpty(auth.Audience),
            ValidAudience = auth.Audience,
            ClockSkew = _options.ClockSkew,
        };
    }

    /// <summary>Whether reading any of <paramref name="channels"/> takes a token.</summary>
    public bool NeedsToken(IReadOnlyList<string> channels)
    {
        for (var i = 0; i < channels.Count; i++)
        {
            if (NeedsToken(channels[i]))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The one decision every front door asks for: whether <paramref name="who"/> may read <paramref name="channels"/>,
    /// and which of them. Channels that need no authorization pass. Otherwise, in order: a grant from an earlier answer
    /// (still valid: its channels, no call; expired: the hook is asked again; forged or changed: 401), a token Hark can
    /// check, the authorization hook (whose grant the answer then carries), else 401.
    /// </summary>
    public async ValueTask<SubscriberAuthorization> AuthorizeAsync(SubscriberCredentials who, IReadOnlyList<string> channels, CancellationToken cancellation)
    {
        if (AnyAdminChannel(channels))
        {
            // The dashboard's own channels: the admin key (or loopback), over HTTP only: a socket's frame has no request to
            // tell loopback by.
            var refused = who.Context is { } http ? _admin.CheckSubscriber(http, who.Token, channels) : AdminOverHttp;
            return refused is null ? new SubscriberAuthorization(null, channels) : SubscriberAuthorization.Refused(refused);
        }
        if (!NeedsToken(channels))
        {
            return new SubscriberAuthorization(null, channels);
        }
        if (_hook.Enabled && !string.IsNullOrEmpty(who.Grant))
        {
            if (_grants.Read(who.Grant) is not { } grant)
            {
                return SubscriberAuthorization.Refused(new Problem(StatusCodes.Status401Unauthorized, "invalid-grant", "Invalid grant",
                    "The grant is malformed or its signature does not match: it was not issued by this deployment, or it was changed. Subscribe without it."));
            }
            if (grant.Expires > _time.GetUtcNow())
            {
                return Within(channels, grant.Channels, "The grant") with { Expires = grant.Expires, User = grant.User };
            }
        }
        if (!string.IsNullOrEmpty(who.Token) && (_keys.Any || !_hook.Enabled))
        {
            var (denied, user) = await CheckTokenAsync(who.Token, channels, cancellation);
            return denied is not null ? SubscriberAuthorization.Refused(denied) : new SubscriberAuthorization(null, channels) { User = user };
        }
        if (!_hook.Enabled)
        {
            return SubscriberAuthorization.Refused(MissingToken);
        }
        // A companion (~presence.{channel}) is read on its channel's authorization: the application is asked about that.
        var asked = channels.Where(NeedsToken).Select(Authorizing).Distinct(StringComparer.Ordinal).ToList();
        var (allowed, problem) = await _hook.AskAsync("subscribe", asked, who, cancellation);
        if (problem is not null)
        {
            return SubscriberAuthorization.Refused(problem);
        }
        var granted = Within(channels, allowed!.Channels, "The application's authorization hook");
        return granted.Problem is not null ? granted : granted with { IssuedGrant = _grants.Sign(allowed), Expires = allowed.Expires, User = allowed.User };
    }

    /// <summary>The channels asked for that need no authorization or that <paramref name="allowed"/> names; 403 when it names none of them.</summary>
    private SubscriberAuthorization Within(IReadOnlyList<string> channels, IReadOnlyList<string> allowed, string who)
    {
        var within = channels.Where(c => !NeedsToken(c) || allowed.Contains(Authorizing(c), StringComparer.Ordinal)).ToList();
        if (!within.Any(NeedsToken))
        {
            return SubscriberAuthorization.Refused(new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
                $"{who} does not allow reading '{Problem.Shorten(string.Join(",", channels.Where(NeedsToken)))}'."));
        }
        return new SubscriberAuthorization(null, within.Count == channels.Count ? channels : within);
    }

    /// <summary>The token a request presents: its bearer header, else <paramref name="queryToken"/> (<c>?token=</c>).</summary>
    public static string? PresentedToken(HttpRequest request, string? queryToken)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : queryToken;
    }

    /// <summary>Whether <paramref name="token"/> (null when none was presented) may read every one of <paramref name="channels"/>.</summary>
    public async ValueTask<Problem?> CheckAsync(string? token, IReadOnlyList<string> channels, CancellationToken cancellation = default) =>
        (await CheckTokenAsync(token, channels, cancellation)).Problem;

    /// <summary>As <see cref="CheckAsync"/>, with the user the token names (its <c>sub</c>) when it allows them.</summary>
    private async ValueTask<(Problem? Problem, string? User)> CheckTokenAsync(string? token, IReadOnlyList<string> channels, CancellationToken cancellation)
    {
        if (AnyAdminChannel(channels))
        {
            return (AdminOverHttp, null);
        }
        if (!NeedsToken(channels))
        {
            return (null, null);
        }
        var (allowed, problem, user) = await ValidateAsync(token, cancellation);
        if (problem is not null)
        {
            return (problem, null);
        }
        foreach (var channel in channels)
        {
            if (NeedsToken(channel) && !allowed!.Any(p => ChannelPattern.Matches(p, Authorizing(channel))))
            {
                return (new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
                    $"The token does not allow reading channel '{channel}'."), null);
            }
        }
        return (null, user);
    }

    /// <summary>Checks a token's signature and expiry: the channel patterns it grants, or why it is refused.</summary>
    public async ValueTask<(IReadOnlyList<string>? Patterns, Problem? Problem, string? User)> ValidateAsync(string? token, CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, MissingToken, null);
        }
        if (!_keys.Any)
        {
            return (null, new Problem(StatusCodes.Status401Unauthorized, "invalid-token", "Invalid subscriber token", "This server has no token keys configured."), null);
        }
        string? kid;
        try
        {
            var read = new JsonWebToken(token);
            // The algorithm is checked before any key is looked at, so an HS256 token "signed" with a published RSA key's
            // bytes, or alg none, is refused as what it is.
            if (!_template.ValidAlgorithms.Contains(read.Alg))
            {
                return (null, Invalid($"The token must be signed with {_algorithms}, not '{Problem.Shorten(read.Alg ?? "")}'."), null);
            }
            kid = read.Kid;
        }
        catch (ArgumentException)
        {
            return (null, Invalid("The token is not a valid signed token."), null);
        }
        if (await _keys.ForAsync(kid, cancellation) is not { } keys)
        {
            return (null, new Problem(StatusCodes.Status503ServiceUnavailable, "auth-unavailable", "Token keys unavailable",
                "The token issuer's key set (Hark:Auth:Jwks:Url) could not be fetched; try again shortly.") { RetryAfterSeconds = 5 }, null);
        }
        var result = await _handler.ValidateTokenAsync(token, ParametersFor(keys));
        if (!result.IsValid)
        {
            var why = result.Exception switch
            {
                SecurityTokenExpiredException => "The token has expired.",
                SecurityTokenNoExpirationException => "The token has no expiry.",
                SecurityTokenInvalidIssuerException => $"The token's issuer (iss) is not '{_template.ValidIssuer}'.",
                SecurityTokenInvalidAudienceException => $"The token's audience (aud) does not name '{_template.ValidAudience}'.",
                SecurityTokenInvalidAlgorithmException => $"The token must be signed with {_algorithms}.",
                SecurityTokenSignatureKeyNotFoundException when kid is not null => $"No configured or published key has the token's key id (kid) '{Problem.Shorten(kid)}'.",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The token's signature does not match any configured key.",
                _ => "The token is not a valid signed token.",
            };
            return (null, Invalid(why), null);
        }
        var subject = result.ClaimsIdentity.Claims.FirstOrDefault(c => c.Type == "sub")?.Value;
        return (Patterns(result.ClaimsIdentity.Claims.Where(c => c.Type == _options.ChannelsClaim).Select(c => c.Value)), null, subject);
    }

    private static readonly Problem AdminOverHttp = new(StatusCodes.Status403Forbidden, "admin-over-http", "Admin channels are read over HTTP",
        $"Read '{AdminStats.ChannelPrefix}…' channels with GET /sub (SSE or long-poll) and the admin key.");

    private static bool AnyAdminChannel(IReadOnlyList<string> channels)
    {
        for (var i = 0; i < channels.Count; i++)
        {
            if (AdminStats.IsAdminChannel(channels[i]))
            {
                return true;
            }
        }
        return false;
    }

    private static Problem Invalid(string why) => new(StatusCodes.Status401Unauthorized, "invalid-token", "Invalid subscriber token", why);

    /// <summary>The validation parameters for one set of keys, made again only when the set changes.</summary>
    private TokenValidationParameters ParametersFor(SigningKeys.Snapshot keys)
    {
        if (Volatile.Read(ref _parameters) is { } made && ReferenceEquals(made.Keys, keys))
        {
            return made.Parameters;
        }
        var parameters = _template.Clone();
        parameters.IssuerSigningKeys = keys.Keys;
        Volatile.Write(ref _parameters, new KeyedParameters(keys, parameters));
        return parameters;
    }

    private sealed record KeyedParameters(SigningKeys.Snapshot Keys, TokenValidationParameters Parameters);

    /// <summary>Authorization everywhere but public patterns (<c>RequireToken</c>, or a hook alone); else only on protected patterns.</summary>
    private bool NeedsToken(string channel)
    {
        var name = Authorizing(channel);
        return AdminStats.IsAdminChannel(name) || _everyChannel
            ? !_options.PublicChannels.Any(p => ChannelPattern.Matches(p, name))
            : _options.ProtectedChannels.Any(p => ChannelPattern.Matches(p, name));
    }

    /// <summary>The channel whose authorization reading <paramref name="channel"/> takes: a presence companion's own channel, else itself.</summary>
    private static string Authorizing(string channel) => PresenceTracker.CompanionFor(channel) ?? channel;

    /// <summary>The claim as an array arrives as one claim per element; as a string, it may list several, space-separated.</summary>
    private static List<string> Patterns(IEnumerable<string> values)
    {
        var patterns = new List<string>();
        foreach (var value in values)
        {
            if (value.StartsWith('['))
            {
                try
                {
                    patterns.AddRange(JsonSerializer.Deserialize(value, HarkJsonContext.Default.ListString) ?? []);
                    continue;
                }
                catch (JsonException)
                {
                }
            }
            patterns.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return patterns;
    }
}
