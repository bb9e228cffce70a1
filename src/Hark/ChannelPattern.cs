namespace Hark;

/// <summary>
/// Channel patterns: a channel name in which <c>*</c> stands for any run of characters (<c>qr.*</c>,
/// <c>user.*.inbox</c>, <c>*</c>). No channel name contains <c>*</c>, so a pattern is never ambiguous.
/// </summary>
public static class ChannelPattern
{
    /// <summary>Whether <paramref name="pattern"/> is a channel name in which <c>*</c> may stand for any characters.</summary>
    public static bool IsValid(string pattern) =>
        pattern is not null && ChannelName.IsValid(pattern.Replace("*", "x", StringComparison.Ordinal));

    /// <summary>Whether <paramref name="channel"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> channel)
    {
        // Greedy matching with one backtrack point: linear enough for the short names allowed.
        int p = 0, c = 0, star = -1, mark = 0;
        while (c < channel.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = c;
            }
            else if (p < pattern.Length && pattern[p] == channel[c])
            {
                p++;
                c++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                c = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}
