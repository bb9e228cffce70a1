using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.WebSockets;

internal sealed partial class WebSocketSession
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Closed a websocket subscriber at {Remote} that did not read for {Seconds} s; it can resume from its cursor.", EventName = "SlowConsumerClosed")]
        public static partial void SlowConsumer(ILogger logger, string? remote, double seconds);

        [LoggerMessage(2, LogLevel.Error, "A websocket command failed; the socket is closed with 1011.", EventName = "CommandFailed")]
        public static partial void CommandFailed(ILogger logger, Exception exception);
    }
}
