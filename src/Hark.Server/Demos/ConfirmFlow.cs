namespace Hark.Server.Demos;

/// <summary>
/// Confirm on another device: the page asks on <c>user.{name}.devices</c> with Hark's own ask/reply, and shows whether a
/// device of the user is there by the channel's presence; all of it is in <c>wwwroot/confirm.js</c> and <c>device.js</c>.
/// </summary>
internal static class ConfirmFlow
{
    /// <summary>The devices' channels, which must track presence.</summary>
    public const string ChannelPattern = "user.*.devices";

    /// <summary>One of them, to check the settings against.</summary>
    public const string ExampleChannel = "user.alice.devices";
}
