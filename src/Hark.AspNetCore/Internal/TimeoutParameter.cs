using System.Globalization;

namespace Hark.AspNetCore.Internal;

/// <summary>The <c>timeout</c> query parameter: seconds, decimals allowed, from 0 to a maximum.</summary>
internal static class TimeoutParameter
{
    public static Problem? Parse(string text, TimeSpan max, out TimeSpan timeout)
    {
        timeout = default;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || !double.IsFinite(seconds) || seconds < 0 || seconds > max.TotalSeconds)
        {
            return Problem.InvalidParameter("timeout", $"timeout is in seconds, from 0 to {max.TotalSeconds.ToString(CultureInfo.InvariantCulture)}.");
        }
        timeout = TimeSpan.FromSeconds(seconds);
        return null;
    }
}
