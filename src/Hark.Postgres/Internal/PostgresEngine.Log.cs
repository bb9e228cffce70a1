using Microsoft.Extensions.Logging;

namespace Hark.Postgres.Internal;

internal sealed partial class PostgresEngine
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Hark schema migrated from version {From} to {To}.")]
        public static partial void Migrated(ILogger logger, int from, int to);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Listening for notifications (generation {Generation}).")]
        public static partial void Listening(ILogger logger, long generation);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The listening connection failed; reconnecting in {Delay}.")]
        public static partial void ListenerLost(ILogger logger, TimeSpan delay, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Caught up on {Channels} tracked channels after listening again.")]
        public static partial void CaughtUp(ILogger logger, int channels);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Ignored a notification that is not Hark's: '{Payload}'.")]
        public static partial void BadNotification(ILogger logger, string payload);

        [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Trimmed {Rows} messages that fell out of their history.")]
        public static partial void Trimmed(ILogger logger, int rows);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Trimming history failed; the next sweep tries again.")]
        public static partial void TrimFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "Another node created a channel of this publish meanwhile; publishing again (attempt {Attempt}).")]
        public static partial void ChannelCreatedConcurrently(ILogger logger, int attempt);
    }
}
