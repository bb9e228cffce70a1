using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Hark.Redis.Internal;

internal sealed partial class RedisEngine
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "The wake-up subscription delivers (generation {Generation}).")]
        public static partial void Listening(ILogger logger, long generation);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The wake-up subscription did not answer its probe; checking again in {Delay}.")]
        public static partial void SubscriptionLost(ILogger logger, TimeSpan delay);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "A Redis connection ({ConnectionType}) failed: {FailureType}.")]
        public static partial void ConnectionFailed(ILogger logger, ConnectionType connectionType, ConnectionFailureType failureType, Exception? exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Caught up on {Channels} watched channels after the subscription came back.")]
        public static partial void CaughtUp(ILogger logger, int channels);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Ignored a wake-up that is not Hark's: '{Payload}'.")]
        public static partial void BadWakeUp(ILogger logger, string payload);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Redis holds a new instance {Instance}: its data was lost; every cursor from before reads as a reset gap.")]
        public static partial void StoreReset(ILogger logger, long instance);
    }
}
