using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Internal.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Decides who may read which channels: a valid HS256 token (from <c>Authorization: Bearer</c> or
/// <c>?token=</c>, as EventSource cannot set headers) whose claim names the channels or patterns; public
/// patterns need none. Missing or invalid tokens are 401, a valid token without the channel is 403. The server's own
/// channels (<c>~admin.</c>) take the admin key instead, over HTTP only (<see cref="AdminGate"/>).
/// </summary>
internal sealed class SubscriberGate
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters? _parameters;
    private readonly SubscribeOptions _options;
    private readonly AdminGate _admin;

    public SubscriberGate(IOptions<HarkOptions> options, AdminGate admin)
    {
        _options = options.Value.Subscribe;
        _admin = admin;
        if (_options.TokenKeys.Count > 0)
        {
            _parameters = new TokenValidationParameters
            {
                IssuerSigningKeys = [.. _options.TokenKeys.Select(k => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(k)))],
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                ValidateIssuer = false,
                ValidateAudience = false,
                ClockSkew = _options.ClockSkew,
            };
        }
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

    public ValueTask<Problem?> CheckAsync(HttpContext context, IReadOnlyList<string> channels, string? queryToken) =>
        AnyAdminChannel(channels)
            ? ValueTask.FromResult(_admin.CheckSubscriber(context, PresentedToken(context.Request, queryToken), channels))
            : CheckAsync(PresentedToken(context.Request, queryToken), channels);

    /// <summary>The token a request presents: its bearer header, else <paramref name="queryToken"/> (<c>?token=</c>).</summary>
    public static string? PresentedToken(HttpRequest request, string? queryToken)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : queryToken;
    }

    /// <summary>Whether <paramref name="token"/> (null when none was presented) may read every one of <paramref name="channels"/>.</summary>
    public async ValueTask<Problem?> CheckAsync(string? token, IReadOnlyList<string> channels)
    {
        if (AnyAdminChannel(channels))
        {
            // Without the request (a socket's frame), loopback cannot be told; the dashboard reads over HTTP.
            return new Problem(StatusCodes.Status403Forbidden, "admin-over-http", "Admin channels are read over HTTP",
                $"Read '{AdminStats.ChannelPrefix}…' channels with GET /sub (SSE or long-poll) and the admin key.");
        }
        if (!NeedsToken(channels))
        {
            return null;
        }
        var (allowed, problem) = await ValidateAsync(token);
        if (problem is not null)
        {
            return problem;
        }
        foreach (var channel in channels)
        {
            if (NeedsToken(channel) && !allowed!.Any(p => ChannelPattern.Matches(p, channel)))
            {
                return new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
                    $"The token does not allow reading channel '{channel}'.");
            }
        }
        return null;
    }

    /// <summary>Checks a token's signature and expiry: the channel patterns it grants, or why it is refused.</summary>
    public async ValueTask<(IReadOnlyList<string>? Patterns, Problem? Problem)> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, new Problem(StatusCodes.Status401Unauthorized, "missing-token", "Subscriber token required",
                "Send a token as 'Authorization: Bearer {token}' or '?token={token}'."));
        }
        if (_parameters is null)
        {
            return (null, new Problem(StatusCodes.Status401Unauthorized, "invalid-token", "Invalid subscriber token", "This server has no token keys configured."));
        }
        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
        {
            var why = result.Exception switch
            {
                SecurityTokenExpiredException => "The token has expired.",
                SecurityTokenNoExpirationException => "The token has no expiry.",
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "The token's signature does not match any configured key.",
                SecurityTokenInvalidAlgorithmException => "The token must be signed with HS256.",
                _ => "The token is not a valid signed token.",
            };
            return (null, new Problem(StatusCodes.Status401Unauthorized, "invalid-token", "Invalid subscriber token", why));
        }
        return (Patterns(result.ClaimsIdentity.Claims.Where(c => c.Type == _options.ChannelsClaim).Select(c => c.Value)), null);
    }

    /// <summary>Tokens everywhere but public patterns; or, without <c>RequireToken</c>, only on protected patterns.</summary>
    private bool NeedsToken(string channel) => AdminStats.IsAdminChannel(channel) || _options.RequireToken
        ? !_options.PublicChannels.Any(p => ChannelPattern.Matches(p, channel))
        : _options.ProtectedChannels.Any(p => ChannelPattern.Matches(p, channel));

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
