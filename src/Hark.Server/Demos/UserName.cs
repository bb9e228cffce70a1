using System.Text.RegularExpressions;

namespace Hark.Server.Demos;

/// <summary>Demo user names: 1 to 32 of <c>a-z 0-9 . _ -</c>, so that <c>demo.mail.{user}</c> is a channel name.</summary>
internal static partial class UserName
{
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9._-]{1,32}$")]
    private static partial Regex Pattern();
}
