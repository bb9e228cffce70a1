using System.Globalization;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// Nchan's message id, <c>{time}:{tag}</c>, carrying a Hark cursor (<c>{epoch}:{seq}</c>, the epoch being
/// <c>{instance}-{stamp}</c>) one-to-one, so that resuming from it is exact:
/// <list type="bullet">
/// <item><c>time</c> is the epoch's stamp, a whole number of seconds: <c>Last-Modified</c> carries it as an HTTP date
/// (seconds after 1970-01-01), and NchanSubscriber.js turns that date back into the same number.</item>
/// <item><c>tag</c> is <c>seq × 100000 + check</c>, where <c>check</c> (0–99999) is drawn from the engine instance: the
/// <c>Etag</c>. The instance itself is not carried: every epoch a node serves belongs to its engine's one instance, so a
/// matching check gives it back, and a foreign one (another server, or the memory engine before a restart) reads as a
/// history that is gone (a <c>reset</c> gap), never as a position in this one.</item>
/// </list>
/// </summary>
internal readonly record struct NchanMessageId(long Time, long Tag)
{
    /// <summary>The spread of <c>check</c>.</summary>
    public const long CheckRange = 100_000;

    /// <summary>The largest time an HTTP date can carry (9999-12-31 23:59:59).</summary>
    public const long MaxTime = 253_402_300_799;

    /// <summary>The largest sequence number a tag can carry.</summary>
    public const long MaxSeq = (long.MaxValue - CheckRange) / CheckRange;

    public static NchanMessageId From(Epoch epoch, long seq) => new(epoch.Stamp, seq * CheckRange + Check(epoch.Instance));

    public long Seq => Tag / CheckRange;

    public bool IsOf(long instance) => Tag % CheckRange == Check(instance);

    /// <summary>The Hark position this id names, given the engine instance this node serves (a foreign id gets instance 0: no engine's).</summary>
    public ChannelPosition ToPosition(string channel, long instance) =>
        new(channel, new Epoch(IsOf(instance) ? instance : 0, Time), Seq);

    /// <summary>Whether the position can be written as an id (a stamp within HTTP dates, a seq within a tag).</summary>
    public static bool Fits(Epoch epoch, long seq) => epoch.Stamp is >= 0 and <= MaxTime && seq is >= 0 and <= MaxSeq;

    public string LastModified => DateTimeOffset.FromUnixTimeSeconds(Time).ToString("r", CultureInfo.InvariantCulture);

    public string Etag => Tag.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Time}:{Tag}");

    /// <summary>Parses <c>{time}:{tag}</c>, as EventSource's <c>Last-Event-ID</c>, <c>?last_event_id=</c> and NchanSubscriber.js's ids write it.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out NchanMessageId id)
    {
        id = default;
        var colon = text.IndexOf(':');
        if (colon <= 0 || !TryNumber(text[..colon], MaxTime, out var time) || !TryNumber(text[(colon + 1)..], long.MaxValue, out var tag))
        {
            return false;
        }
        id = new NchanMessageId(time, tag);
        return true;
    }

    /// <summary>Parses the pair a long-poll resumes from: <c>If-Modified-Since</c> (an HTTP date) and <c>If-None-Match</c> (the tag).</summary>
    public static bool TryParse(string ifModifiedSince, string ifNoneMatch, out NchanMessageId id)
    {
        id = default;
        var tagText = ifNoneMatch.Trim();
        // A cache may have quoted it, or marked it weak.
        if (tagText.StartsWith("W/", StringComparison.Ordinal))
        {
            tagText = tagText[2..];
        }
        tagText = tagText.Trim('"');
        if (!DateTimeOffset.TryParseExact(ifModifiedSince.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || !TryNumber(tagText, long.MaxValue, out var tag))
        {
            return false;
        }
        var time = date.ToUnixTimeSeconds();
        if (time < 0)
        {
            return false;
        }
        id = new NchanMessageId(time, tag);
        return true;
    }

    private static bool TryNumber(ReadOnlySpan<char> digits, long max, out long value)
    {
        value = 0;
        return !digits.IsEmpty && digits.Length <= 19 && !digits.ContainsAnyExceptInRange('0', '9')
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max;
    }

    // A mix of the instance's bits, so that two instances close in time (the memory engine's start times) differ.
    private static long Check(long instance) => (long)(((ulong)instance * 0x9E3779B97F4A7C15UL) >> 11) % CheckRange;
}
