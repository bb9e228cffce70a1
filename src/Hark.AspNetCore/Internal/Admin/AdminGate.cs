using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Admin;

/// <summary>
/// Who may use the dashboard, its API and its channels: with admin keys configured (<c>Hark:Admin:Keys</c>), a caller
/// presenting one; with none, loopback callers only. Keys are checked as publisher keys are (<see cref="BearerKeys"/>).
/// </summary>
internal sealed class AdminGate(IOptions<HarkOptions> options)
{
    private readonly BearerKeys _keys = new(options.Value.Admin.Keys);

    /// <summary>An API call: its bearer key.</summary>
    public Problem? Check(HttpContext context) => Check(context, BearerKeys.Presented(context));

    /// <summary>The same, in the shape the channel endpoints' authorization takes.</summary>
    public Problem? Check(HttpContext context, string channel) => Check(context);

    /// <summary>The page itself holds nothing secret, but a server that admits nobody says so before the page asks for a key.</summary>
    public Problem? CheckPage(HttpContext context) => _keys.IsEmpty && !BearerKeys.IsLocal(context) ? NoKeys() : null;

    /// <summary>
    /// A subscription to admin channels: the admin key is its token (the bearer header, or <c>?token=</c> for an
    /// EventSource), and it reads admin channels alone.
    /// </summary>
    public Problem? CheckSubscriber(HttpContext context, string? token, IReadOnlyList<string> channels)
    {
        if (!options.Value.Admin.Enabled)
        {
            return new Problem(StatusCodes.Status403Forbidden, "admin-disabled", "Dashboard disabled", "Hark:Admin:Enabled is false on this server.");
        }
        foreach (var channel in channels)
        {
            if (!AdminStats.IsAdminChannel(channel))
            {
                return Problem.BadRequest("admin-channels-alone", "Admin channels are read alone",
                    $"Subscribe to '{AdminStats.ChannelPrefix}…' channels without other channels: '{channel}' is not one.");
            }
        }
        return Check(context, string.IsNullOrEmpty(token) ? null : BearerKeys.Hash(token));
    }

    private Problem? Check(HttpContext context, byte[]? presented)
    {
        if (_keys.IsEmpty)
        {
            return BearerKeys.IsLocal(context) ? null : NoKeys();
        }
        if (presented is null)
        {
            return new Problem(StatusCodes.Status401Unauthorized, "missing-key", "Admin key required", "Send the admin key as 'Authorization: Bearer {key}'.");
        }
        return _keys.Contains(presented) ? null
            : new Problem(StatusCodes.Status401Unauthorized, "invalid-key", "Invalid admin key", "The admin key is not one of Hark:Admin:Keys.");
    }

    private static Problem NoKeys() => new(StatusCodes.Status403Forbidden, "admin-forbidden", "Dashboard not allowed",
        "No admin keys are configured (Hark:Admin:Keys), so only loopback callers may use the dashboard.");
}
