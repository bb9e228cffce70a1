using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Transports;

internal sealed partial class StreamTransport
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Dropped a {Transport} subscriber at {Remote} that did not read for {Seconds} s; it can resume from its cursor.", EventName = "SlowClientDropped")]
        public static partial void SlowClientDropped(ILogger logger, string transport, string? remote, double seconds);
    }
}
