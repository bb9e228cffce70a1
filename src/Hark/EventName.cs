namespace Hark;

/// <summary>Rules for event names: 1 to 64 characters of <c>A–Z a–z 0–9 . _ - : /</c>.</summary>
/// <remarks>An event name becomes an SSE <c>event:</c> line, so it can never hold a line break.</remarks>
public static class EventName
{
    /// <summary>The longest event name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="name"/> is a valid event name.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '/'))
            {
                return false;
            }
        }
        return true;
    }
}
