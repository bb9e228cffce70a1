namespace Hark;

/// <summary>Rules for channel names: 1 to 128 characters of <c>A–Z a–z 0–9 . _ - : @ ~</c>.</summary>
/// <remarks>
/// The set is ASCII and has no <c>,</c> (it joins channels in a URL), no <c>/</c> (a path separator)
/// and no <c>*</c> (kept for patterns), so a name is safe in a path, a cursor token and JSON unescaped.
/// </remarks>
public static class ChannelName
{
    /// <summary>The longest channel name accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>Whether <paramref name="name"/> is a valid channel name.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!IsNameChar(c))
            {
                return false;
            }
        }
        return true;
    }

    internal static bool IsNameChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '@' or '~';
}
