using System.Globalization;

namespace Hark;

/// <summary>
/// Names one history of a channel: the engine instance that made it and a stamp from that
/// instance's counter. Written as <c>{instance}-{stamp}</c> in lower-case base 36.
/// </summary>
/// <param name="Instance">The engine instance (for the memory engine, its start time in Unix ms).</param>
/// <param name="Stamp">The instance's event counter when this history was created.</param>
public readonly record struct Epoch(long Instance, long Stamp)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Base36.Format(Instance)}-{Base36.Format(Stamp)}");

    /// <summary>Parses the <c>{instance}-{stamp}</c> form.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Epoch epoch)
    {
        epoch = default;
        var dash = text.IndexOf('-');
        if (dash <= 0
            || !Base36.TryParse(text[..dash], out var instance)
            || !Base36.TryParse(text[(dash + 1)..], out var stamp))
        {
            return false;
        }
        epoch = new Epoch(instance, stamp);
        return true;
    }
}
