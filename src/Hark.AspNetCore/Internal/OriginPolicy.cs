using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Which web origins may receive channel data in a browser: the server's own, and those in <c>Hark:Cors:Origins</c>.
/// The forever-iframe posts only to one of them; a WebSocket upgrade is accepted only from a page of one of them,
/// since browsers apply no CORS to WebSockets and would otherwise let any site subscribe with a visitor's cookies.
/// </summary>
internal static class OriginPolicy
{
    /// <summary>The server's own origin as this request reached it (forwarded headers applied).</summary>
    public static string Own(HttpRequest request) => $"{request.Scheme}://{request.Host}";

    /// <summary>The origin a frame may post to: <paramref name="requested"/> when allowed (the server's own when empty), else null.</summary>
    public static string? FrameTarget(HttpRequest request, string? requested, CrossOriginOptions cors)
    {
        var own = Own(request);
        if (string.IsNullOrEmpty(requested) || string.Equals(requested, own, StringComparison.OrdinalIgnoreCase))
        {
            return own;
        }
        return IsListed(requested, cors) ? requested.TrimEnd('/') : null;
    }

    /// <summary>
    /// Whether a page of <paramref name="origin"/> (the upgrade's <c>Origin</c> header) may open a socket: the server's own
    /// origin, a listed one, or any when <c>*</c> is listed. A request without <c>Origin</c> is not from a browser page.
    /// </summary>
    public static bool MayConnect(HttpRequest request, string origin, CrossOriginOptions cors) =>
        origin.Length == 0
        || string.Equals(origin, Own(request), StringComparison.OrdinalIgnoreCase)
        || cors.Origins.Contains("*")
        || IsListed(origin, cors);

    private static bool IsListed(string origin, CrossOriginOptions cors) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.AbsolutePath == "/"
        && cors.Origins.Any(o => o != "*" && string.Equals(o.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
}
