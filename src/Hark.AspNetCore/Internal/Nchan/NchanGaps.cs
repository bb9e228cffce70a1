using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// What the door does where Hark knows messages were lost (Nchan would move on without a word): it logs the gap, counts
/// it (<c>hark_gaps_total{hark_door="nchan"}</c>), and tells the client in its own words: <c>X-Hark-Gap</c> on a
/// long-poll, a comment on an EventSource.
/// </summary>
internal static partial class NchanGaps
{
    public const string Header = "X-Hark-Gap";

    public const string Door = "nchan";

    /// <summary>The gaps as <c>X-Hark-Gap</c> writes them: <c>evicted; missed=3</c>, <c>reset</c>.</summary>
    public static string Describe(IReadOnlyList<ChannelGap> gaps)
    {
        var text = new StringBuilder();
        foreach (var gap in gaps)
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }
            text.Append(gap.Reason.ToString().ToLowerInvariant());
            if (gap.Missed is { } missed)
            {
                text.Append("; missed=").Append(missed.ToString(CultureInfo.InvariantCulture));
            }
        }
        return text.ToString();
    }

    public static void Report(ILogger logger, HarkMetrics metrics, string channel, string transport, IReadOnlyList<ChannelGap> gaps)
    {
        if (gaps.Count == 0)
        {
            return;
        }
        metrics.Gaps(gaps, Door, transport);
        Log(logger, channel, transport, gaps);
    }

    /// <summary>Logs a gap that the transport counts itself.</summary>
    public static void Log(ILogger logger, string channel, string transport, IReadOnlyList<ChannelGap> gaps) =>
        Lost(logger, channel, transport, Describe(gaps));

    [LoggerMessage(1, LogLevel.Information, "Nchan door: a {Transport} subscriber of '{Channel}' missed messages ({Gap}); it goes on from the oldest still held.", EventName = "NchanGap")]
    private static partial void Lost(ILogger logger, string channel, string transport, string gap);
}
