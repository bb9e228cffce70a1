using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Hark.Server;

/// <summary>
/// The framework's forwarded-headers options, read from the <c>ForwardedHeaders</c> section: which
/// <c>X-Forwarded-*</c> fields the server applies, and from which proxies. The pipeline's middleware and the
/// direct path both read these options, so a client behind a trusted proxy is counted by its own address on both.
/// </summary>
/// <remarks>
/// The configuration binder cannot make <see cref="IPAddress"/> or <see cref="System.Net.IPNetwork"/> from text,
/// so the lists are parsed here, and a value that is not an address fails the start with its key named.
/// </remarks>
internal static class ForwardedHeadersSettings
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>What is applied unless <c>ForwardedHeaders:Headers</c> says otherwise.</summary>
    public const ForwardedHeaders DefaultHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;

    public static void Apply(IConfigurationSection section, ForwardedHeadersOptions options)
    {
        var headers = section.GetSection("Headers");
        options.ForwardedHeaders = string.IsNullOrEmpty(headers.Value) ? DefaultHeaders
            : Enum.TryParse<ForwardedHeaders>(headers.Value, ignoreCase: true, out var applied) && (applied & ~ForwardedHeaders.All) == 0 ? applied
            : throw new InvalidOperationException($"{headers.Path} '{headers.Value}' is not a list of XForwardedFor, XForwardedProto, XForwardedHost, XForwardedPrefix, All or None.");
        var limit = section.GetSection("ForwardLimit");
        if (!string.IsNullOrEmpty(limit.Value))
        {
            options.ForwardLimit = int.TryParse(limit.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var entries) && entries > 0 ? entries
                : throw new InvalidOperationException($"{limit.Path} '{limit.Value}' is not a whole number of at least 1.");
        }
        var proxies = section.GetSection("KnownProxies").GetChildren().ToList();
        var networks = section.GetSection("KnownNetworks").GetChildren().ToList();
        if (proxies.Count + networks.Count == 0)
        {
            // The framework's defaults stay: loopback (127.0.0.0/8 and ::1), a proxy on the same machine.
            return;
        }
        // Listed proxies replace the loopback defaults, so that a list says exactly whom the server trusts.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy.Value, out var address)
                ? address
                : throw new InvalidOperationException($"{proxy.Path} '{proxy.Value}' is not an IP address."));
        }
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network.Value, out var range)
                ? range
                : throw new InvalidOperationException($"{network.Path} '{network.Value}' is not a network in CIDR notation (such as 10.0.0.0/8)."));
        }
    }
}
