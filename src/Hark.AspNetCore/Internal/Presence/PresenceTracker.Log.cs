using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Presence;

internal sealed partial class PresenceTracker
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The presence store failed to {Operation} {Count} leases; the next pass tries again.", EventName = "PresenceStoreFailed")]
        public static partial void StoreFailed(ILogger logger, string operation, int count, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Could not publish {Count} presence events (dropped {Dropped}); the next pass tries again.", EventName = "PresencePublishFailed")]
        public static partial void PublishFailed(ILogger logger, int count, int dropped, Exception exception);

        [LoggerMessage(3, LogLevel.Error, "A presence pass failed.", EventName = "PresencePassFailed")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
