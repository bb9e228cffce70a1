using Hark.AspNetCore;
using Hark.AspNetCore.Internal.Direct;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Sets up a Kestrel listener to answer Hark's long-polls on the connection.</summary>
public static class HarkListenOptionsExtensions
{
    /// <summary>
    /// Answers plain long-polls (<c>GET {pathPrefix}/sub/{channels}</c> without a token or a stream transport, and
    /// with only header fields a long-poll answer does not depend on) on this listener's connections before
    /// Kestrel's HTTP layer and the middleware pipeline; every other request goes through the pipeline as usual.
    /// It counts clients behind a proxy as the configured <c>ForwardedHeadersOptions</c> say, and hands every
    /// request over when <c>MapHark</c>'s subscribe endpoint requires authorization. Use it only where the
    /// pipeline adds nothing else to such answers: middleware that would rewrite or decorate them never sees them.
    /// It reads only cleartext HTTP/1.1: connections that open with TLS or HTTP/2 go to Kestrel unread.
    /// <c>Hark:Poll:Direct=false</c> turns it off.
    /// </summary>
    /// <param name="listenOptions">The listener (such as from <c>ConfigureEndpointDefaults</c>).</param>
    /// <param name="pathPrefix">The prefix <c>MapHark</c> was given; empty for the root.</param>
    public static ListenOptions UseHarkLongPoll(this ListenOptions listenOptions, string pathPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(pathPrefix);
        listenOptions.Use(next =>
        {
            var services = listenOptions.ApplicationServices;
            // It reads HTTP/1.1 in the clear only. Kestrel's TLS and HTTP/2 come after this point: on an HTTPS
            // listener the first bytes are a TLS handshake and the connection goes to Kestrel at once, as does a
            // cleartext HTTP/2 preface; a listener that speaks no HTTP/1.1 does not get the path at all.
            return services.GetRequiredService<IOptions<HarkOptions>>().Value.Poll.Direct
                && listenOptions.Protocols.HasFlag(HttpProtocols.Http1)
                ? new DirectLongPoll(next, services, pathPrefix).OnConnectionAsync
                : next;
        });
        return listenOptions;
    }
}
