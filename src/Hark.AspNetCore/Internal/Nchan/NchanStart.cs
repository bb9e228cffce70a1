using System.Globalization;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>Reads <see cref="NchanOptions.SubscriberFirstMessage"/>: where a subscriber that names no message id starts.</summary>
internal static class NchanStart
{
    public static bool TryParse(string? text, out StartPoint start)
    {
        start = StartPoint.Oldest;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "oldest":
                return true;
            case "newest":
                start = StartPoint.Now;
                return true;
        }
        // Nchan writes "the N newest" as -N (a plain N, the Nth oldest, has no equivalent here).
        var trimmed = text?.Trim() ?? "";
        if (trimmed.StartsWith('-') && long.TryParse(trimmed.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            start = new StartPoint(last);
            return true;
        }
        return false;
    }
}
