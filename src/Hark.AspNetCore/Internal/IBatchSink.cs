namespace Hark.AspNetCore.Internal;

/// <summary>Where <see cref="SubscriptionCursor.Walk"/> hands a batch's parts, each with the cursor to resume from after it.</summary>
internal interface IBatchSink
{
    void Gap(IReadOnlyList<ChannelGap> gaps, string cursor);

    void Message(HarkMessage message, string cursor);
}
