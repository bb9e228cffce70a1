using System.Net.WebSockets;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// How Hark closes a socket. A close for a problem is 4000 plus the problem's HTTP status (4400, 4401, 4403, 4413,
/// 4415, 4429, 4503…), with the problem's type URN as the reason, after an <c>error</c> frame carrying the whole problem.
/// </summary>
internal static class CloseCodes
{
    /// <summary>The client did not read in time; nothing queued for it was kept, and it resumes from its cursor.</summary>
    public const WebSocketCloseStatus SlowConsumer = (WebSocketCloseStatus)4408;

    public const string SlowConsumerReason = Problem.TypePrefix + "slow-consumer";

    /// <summary>The close code for a problem that ends the socket.</summary>
    public static WebSocketCloseStatus For(Problem problem) => (WebSocketCloseStatus)(4000 + problem.Status);
}
