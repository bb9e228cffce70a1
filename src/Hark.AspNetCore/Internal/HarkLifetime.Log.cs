using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal;

internal sealed partial class HarkLifetime
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Hark started with the {Engine} engine ({EngineType}).", EventName = "Started")]
        public static partial void Started(ILogger logger, string engine, string engineType);

        [LoggerMessage(2, LogLevel.Warning, "No publisher keys are configured: publishing is allowed from loopback addresses only. Set Hark:Publish:Keys to publish from elsewhere.", EventName = "LoopbackPublishing")]
        public static partial void LoopbackPublishing(ILogger logger);

        [LoggerMessage(3, LogLevel.Warning, "Open publishing is on: anyone who can reach this server may publish. Set Hark:Publish:Keys for anything but a trusted network.", EventName = "OpenPublishing")]
        public static partial void OpenPublishing(ILogger logger);

        [LoggerMessage(4, LogLevel.Information, "Shutting down: answered {Count} held subscriber requests.", EventName = "AnsweredOnShutdown")]
        public static partial void AnsweredOnShutdown(ILogger logger, int count);
    }
}
