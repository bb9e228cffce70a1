namespace Hark;

/// <summary>Where a subscription without a cursor starts.</summary>
/// <param name="Last">
/// How many of the newest messages to replay per channel: 0 for only new messages ("now"),
/// <see cref="long.MaxValue"/> for all of the history ("oldest").
/// </param>
public readonly record struct StartPoint(long Last)
{
    /// <summary>Only messages published from now on.</summary>
    public static StartPoint Now => new(0);

    /// <summary>Everything still in history.</summary>
    public static StartPoint Oldest => new(long.MaxValue);
}
