using Hark.AspNetCore;
using Hark.Server.Demos.Jobs;
using Hark.Server.Demos.Mail;
using Microsoft.Extensions.Options;

namespace Hark.Server.Demos;

/// <summary>
/// What the demos need of Hark's own settings, checked at start rather than set behind the operator's back: the mail
/// demo signs subscriber tokens for protected channels, the job demo publishes to latest-value channels, the confirm demo
/// reads the presence of the user's devices.
/// </summary>
internal sealed class DemoSettingsCheck(IOptions<HarkOptions> hark) : IValidateOptions<DemoOptions>
{
    public ValidateOptionsResult Validate(string? name, DemoOptions options)
    {
        var settings = hark.Value;
        var failures = new List<string>();
        if (settings.Subscribe.TokenKeys.Count == 0)
        {
            failures.Add("The mail demo signs subscriber tokens: set Hark:Subscribe:TokenKeys (appsettings.Development.json has a development key).");
        }
        if (!settings.Subscribe.RequireToken && !settings.Subscribe.ProtectedChannels.Any(p => ChannelPattern.Matches(p, MailEndpoints.ExampleChannel)))
        {
            failures.Add($"The mail demo's channels need a token: add '{MailEndpoints.ChannelPattern}' to Hark:Subscribe:ProtectedChannels.");
        }
        if (!settings.History.IsLatestValue(JobEndpoints.ExampleChannel))
        {
            failures.Add($"The job demo's channels keep their newest message only: add '{JobEndpoints.ChannelPattern}' to Hark:History:LatestValueChannels.");
        }
        if (!settings.Presence.Channels.Any(p => ChannelPattern.Matches(p, ConfirmFlow.ExampleChannel)))
        {
            failures.Add($"The confirm demo shows whether the user's device is online: add '{ConfirmFlow.ChannelPattern}' to Hark:Presence:Channels.");
        }
        if (options.QrTicketLifetime <= TimeSpan.Zero || options.SessionLifetime <= TimeSpan.Zero || options.MaxQrTickets < 1 || options.MaxJobDevices < 1)
        {
            failures.Add("Demos:QrTicketLifetime and Demos:SessionLifetime must be positive, Demos:MaxQrTickets and Demos:MaxJobDevices at least 1.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(failures.Select(f => f + $" Or turn the demos off: {DemoApps.EnabledKey}=false."));
    }
}
