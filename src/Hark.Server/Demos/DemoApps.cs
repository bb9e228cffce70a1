using Hark.Server.Demos.Jobs;
using Hark.Server.Demos.Mail;
using Hark.Server.Demos.QrLogin;

namespace Hark.Server.Demos;

/// <summary>
/// The five demo flows (QR login, confirm on another device on Hark's ask/reply, mail, job progress, transports
/// compared): their pages in <c>wwwroot</c> and their server sides. On with <c>Demos:Enabled</c>, which defaults to on in
/// the Development environment only (<c>dotnet run</c>'s launch profile); off, the server maps none of their endpoints,
/// serves none of their files and registers none of their services. They change no Hark setting: what they need of
/// Hark (a token key, a protected channel pattern, a latest-value pattern) is configured like any application's
/// (appsettings.Development.json), and checked at start.
/// </summary>
public static class DemoApps
{
    /// <summary>The setting that turns the demos on or off.</summary>
    public const string EnabledKey = DemoOptions.SectionName + ":Enabled";

    /// <summary>Whether the demos run: <c>Demos:Enabled</c>, else whether the environment is Development.</summary>
    public static bool IsEnabled(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>(EnabledKey) ?? environment.IsDevelopment();

    public static void Add(WebApplicationBuilder builder)
    {
        if (!IsEnabled(builder.Configuration, builder.Environment))
        {
            return;
        }
        builder.Services.AddOptions<DemoOptions>().Bind(builder.Configuration.GetSection(DemoOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<DemoOptions>, DemoSettingsCheck>();
        builder.Services.AddSingleton<DemoKeys>();
        builder.Services.AddSingleton<DemoSession>();
        builder.Services.AddSingleton<QrTickets>();
        builder.Services.AddHttpClient("idp");
    }

    /// <summary>The demo pages (<c>/</c> is the demo page), ahead of the endpoints.</summary>
    public static void UseFiles(WebApplication app)
    {
        if (IsEnabled(app.Configuration, app.Environment))
        {
            app.UseDefaultFiles();
            app.UseStaticFiles();
        }
    }

    public static void Map(WebApplication app)
    {
        if (!IsEnabled(app.Configuration, app.Environment))
        {
            return;
        }
        QrLoginEndpoints.Map(app);
        IdentityProvider.Map(app);
        MailEndpoints.Map(app);
        JobEndpoints.Map(app);
    }
}
