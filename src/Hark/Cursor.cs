using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Hark;

/// <summary>
/// Formats and parses cursors. One channel: <c>{epoch}:{seq}</c>. Several channels: an opaque
/// URL-safe token (base64url) that carries each channel's name and position.
/// </summary>
public static class Cursor
{
    /// <summary>The longest cursor string accepted, so a hostile one costs little to reject.</summary>
    public const int MaxLength = 4096;

    /// <summary>Formats a single-channel cursor.</summary>
    public static string Format(Epoch epoch, long seq) =>
        string.Create(CultureInfo.InvariantCulture, $"{epoch}:{seq}");

    /// <summary>Parses a single-channel cursor.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Epoch epoch, out long seq)
    {
        epoch = default;
        seq = 0;
        var colon = text.LastIndexOf(':');
        return colon > 0
            && Epoch.TryParse(text[..colon], out epoch)
            && IsPlainNumber(text[(colon + 1)..])
            && long.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out seq);
    }

    /// <summary>The cursor of a subscription: the single-channel form for one channel, else a token.</summary>
    public static string Format(IReadOnlyList<ChannelPosition> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        return positions.Count == 1 ? positions[0].Cursor : FormatToken(positions);
    }

    /// <summary>Formats the several-channel token.</summary>
    public static string FormatToken(IReadOnlyList<ChannelPosition> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var text = new StringBuilder();
        foreach (var p in positions)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }
            text.Append(p.Channel).Append('=').Append(p.Epoch.ToString()).Append(':').Append(p.Seq.ToString(CultureInfo.InvariantCulture));
        }
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(text.ToString()));
    }

    /// <summary>Parses the several-channel token into one position per channel.</summary>
    public static bool TryParseToken(string token, out IReadOnlyList<ChannelPosition> positions)
    {
        ArgumentNullException.ThrowIfNull(token);
        positions = [];
        if (token.Length == 0 || token.Length > MaxLength || !Base64Url.IsValid(token))
        {
            return false;
        }
        string text;
        try
        {
            text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return false;
        }
        var list = new List<ChannelPosition>();
        foreach (var part in text.Split('\n'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0
                || !ChannelName.IsValid(part.AsSpan(0, eq))
                || !TryParse(part.AsSpan(eq + 1), out var epoch, out var seq))
            {
                return false;
            }
            list.Add(new ChannelPosition(part[..eq], epoch, seq));
        }
        positions = list;
        return true;
    }

    // Canonical digits only (no sign, no leading zeros), so a cursor always comes back exactly as given.
    private static bool IsPlainNumber(ReadOnlySpan<char> digits) =>
        !digits.IsEmpty && digits.Length <= 18 && !digits.ContainsAnyExceptInRange('0', '9') && (digits.Length == 1 || digits[0] != '0');
}
