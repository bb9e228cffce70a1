using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Admin;

/// <summary>
/// The operator's dashboard (<c>/admin</c>: the page, its script, uPlot) and its API, each call on the code path its
/// public twin takes: channel info and delete are <see cref="PublishEndpoint"/>'s, history is a plain poll through the
/// <see cref="SubscribePipeline"/>; only the gate differs (<see cref="AdminGate"/>).
/// </summary>
internal static class AdminEndpoints
{
    private const int DefaultHistory = 20;

    private static readonly ClientFile Page = ClientFile.Load("Admin.index.html", "text/html; charset=utf-8");

    private static readonly (string Path, ClientFile File)[] Assets =
    [
        ("/admin/dashboard.js", ClientFile.Load("Admin.dashboard.js", "text/javascript; charset=utf-8")),
        ("/admin/dashboard.css", ClientFile.Load("Admin.dashboard.css", "text/css; charset=utf-8")),
        ("/admin/uplot.js", ClientFile.Load("Admin.uPlot.iife.min.js", "text/javascript; charset=utf-8")),
        ("/admin/uplot.css", ClientFile.Load("Admin.uPlot.min.css", "text/css; charset=utf-8")),
    ];

    public static void Map(RouteGroupBuilder group, IServiceProvider services, Func<RequestDelegate, RequestDelegate> refusalsAsProblems)
    {
        var gate = services.GetRequiredService<AdminGate>();
        var publish = services.GetRequiredService<PublishEndpoint>();
        var metrics = services.GetRequiredService<HarkMetrics>();
        var pipeline = services.GetRequiredService<SubscribePipeline>();
        var longPoll = services.GetRequiredService<LongPollTransport>();
        var options = services.GetRequiredService<IOptions<HarkOptions>>();

        group.MapMethods("/admin", [HttpMethods.Get, HttpMethods.Head], async context =>
        {
            if (gate.CheckPage(context) is { } refused)
            {
                await refused.WriteAsync(context, metrics);
                return;
            }
            // The page's scripts are its own files: no inline script, nothing framed.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
            await Page.ServeAsync(context);
        }).WithName("HarkAdmin");
        foreach (var (path, file) in Assets)
        {
            group.MapMethods(path, [HttpMethods.Get, HttpMethods.Head], file.ServeAsync);
        }
        group.MapGet("/admin/channels/{channel}", refusalsAsProblems(context => publish.InfoAsync(context, gate.Check))).WithName("HarkAdminChannelInfo");
        group.MapDelete("/admin/channels/{channel}", refusalsAsProblems(context => publish.DeleteAsync(context, gate.Check))).WithName("HarkAdminDeleteChannel");
        group.MapGet("/admin/channels/{channel}/history", refusalsAsProblems(async context =>
        {
            var channel = context.GetRouteValue("channel") as string ?? "";
            var last = context.Request.Query["last"].ToString() is { Length: > 0 } l ? l : DefaultHistory.ToString(System.Globalization.CultureInfo.InvariantCulture);
            // A plain poll of the channel's newest messages, as GET /sub/{channel}?timeout=0&last=N would be, without its token.
            SubscribeRequest? request = null;
            var problem = gate.Check(context)
                ?? SubscribeRequest.TryParse(new QueryReader("timeout=0&last=" + Uri.EscapeDataString(last)), "", "", channel, options.Value, out request);
            if (problem is not null)
            {
                await problem.WriteAsync(context, metrics);
                return;
            }
            await longPoll.WriteAsync(context, await pipeline.LongPollAsync(request!, RequestLimits.AddressOf(context), context.RequestAborted));
        })).WithName("HarkAdminChannelHistory");
    }
}
