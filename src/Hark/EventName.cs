namespace Hark;

/// <summary>Rules for event names: 1 to 64 characters of <c>A–Z a–z 0–9 . _ - : /</c>, not a reserved name.</summary>
/// <remarks>
/// An event name becomes an SSE <c>event:</c> line, so it can never hold a line break; and the names
/// Hark and EventSource use themselves (<c>gap</c>, <c>closed</c>, <c>message</c>, <c>open</c>, <c>error</c>)
/// are reserved, so a published message can never pose as one of them.
/// </remarks>
public static class EventName
{
    /// <summary>The longest event name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>Names a message may not use.</summary>
    public static IReadOnlyList<string> Reserved { get; } = ["gap", "closed", "message", "open", "error", "grant"];

    /// <summary>Whether <paramref name="name"/> is a valid event name.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }
        foreach (var reserved in Reserved)
        {
            if (name.Equals(reserved, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
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
