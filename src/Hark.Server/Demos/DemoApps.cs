using Hark.AspNetCore;
using Hark.Server.Demos.Jobs;
using Hark.Server.Demos.Mail;
using Hark.Server.Demos.QrLogin;

namespace Hark.Server.Demos;

/// <summary>The five demo flows' server sides: QR login, confirm on another device (on Hark's ask/reply), mail, job progress, transports compared.</summary>
public static class DemoApps
{
    public static void Add(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(DemoOptions.SectionName);
        builder.Services.Configure<DemoOptions>(section);
        if (!section.GetValue(nameof(DemoOptions.Enabled), true))
        {
            return;
        }
        builder.Services.AddSingleton<DemoKeys>();
        builder.Services.AddSingleton<DemoSession>();
        builder.Services.AddSingleton<QrTickets>();
        builder.Services.AddHttpClient("idp");
        builder.Services.PostConfigure<HarkOptions>(hark =>
        {
            // Mail channels need a token; with no token key configured, the demo makes one for this run.
            if (hark.Subscribe.TokenKeys.Count == 0)
            {
                hark.Subscribe.TokenKeys.Add(DemoKeys.SubscriberTokenKey);
            }
            AddOnce(hark.Subscribe.ProtectedChannels, MailEndpoints.ChannelPattern);
            AddOnce(hark.History.LatestValueChannels, JobEndpoints.ChannelPattern);
        });
    }

    public static void Map(WebApplication app)
    {
        if (!app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DemoOptions>>().Value.Enabled)
        {
            return;
        }
        QrLoginEndpoints.Map(app);
        IdentityProvider.Map(app);
        MailEndpoints.Map(app);
        JobEndpoints.Map(app);
    }

    private static void AddOnce(IList<string> list, string item)
    {
        if (!list.Contains(item))
        {
            list.Add(item);
        }
    }
}
