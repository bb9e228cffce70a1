using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// What a request head must keep to for the direct path: Kestrel's own size limits, and a <c>Host</c> the
/// server answers (the host filtering that <c>AllowedHosts</c> sets up). Anything else goes to Kestrel.
/// </summary>
internal sealed class HeadRules(string subscribePrefix, KestrelServerLimits limits, IList<string> allowedHosts)
{
    private readonly string[] _hosts = [.. allowedHosts.Select(h => h.Trim())];
    private readonly bool _anyHost = allowedHosts.Count == 0 || allowedHosts.Any(h => h.Trim() == "*");

    /// <summary>The path every subscription starts with, such as <c>/sub/</c>.</summary>
    public string SubscribePrefix { get; } = subscribePrefix;

    /// <summary>The longest head taken here; longer ones go to Kestrel, which enforces its limits on them.</summary>
    public int MaxLength { get; } = Math.Min(8 * 1024, limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize);

    public int MaxRequestLine { get; } = limits.MaxRequestLineSize;

    public int MaxFields { get; } = limits.MaxRequestHeaderCount;

    /// <summary>A plain host name or address with an optional port, and one the server answers.</summary>
    public bool AllowsHost(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)':' or (byte)'[' or (byte)']'))
            {
                return false;
            }
        }
        if (value.IsEmpty)
        {
            return false;
        }
        if (_anyHost)
        {
            return true;
        }
        // The name without its port, as host filtering compares it.
        var end = value[0] == '[' ? value.IndexOf((byte)']') + 1 : value.LastIndexOf((byte)':');
        var name = Encoding.ASCII.GetString(end > 0 ? value[..end] : value);
        foreach (var allowed in _hosts)
        {
            if (allowed.StartsWith("*.", StringComparison.Ordinal)
                ? name.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase) && name.Length > allowed.Length - 1
                : string.Equals(name, allowed, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
