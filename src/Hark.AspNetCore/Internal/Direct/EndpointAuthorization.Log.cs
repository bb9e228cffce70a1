using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Direct;

internal sealed partial class EndpointAuthorization
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "The subscribe endpoint requires authorization: every long-poll goes through the pipeline, none is answered on the connection.", EventName = "AuthorizationRequired")]
        public static partial void AuthorizationRequired(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "No subscribe endpoint is mapped (MapHark): every request on a listener with UseHarkLongPoll goes through the pipeline.", EventName = "NoSubscribeEndpoint")]
        public static partial void NoSubscribeEndpoint(ILogger logger);
    }
}
