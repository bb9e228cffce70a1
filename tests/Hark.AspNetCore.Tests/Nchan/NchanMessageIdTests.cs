using Hark.AspNetCore.Internal.Nchan;

namespace Hark.AspNetCore.Tests.Nchan;

public sealed class NchanMessageIdTests
{
    [Theory]
    [InlineData(1_733_240_000_123L, 0L, 0L)]
    [InlineData(1_733_240_000_123L, 7L, 1L)]
    [InlineData(987_654_321L, 123_456L, 98_765_432_100L)]
    public void AnId_NamesExactlyThePositionItWasMadeFrom(long instance, long stamp, long seq)
    {
        var epoch = new Epoch(instance, stamp);
        var id = NchanMessageId.From(epoch, seq);
        Assert.True(NchanMessageId.TryParse(id.ToString(), out var parsed));
        Assert.Equal(new ChannelPosition("c", epoch, seq), parsed.ToPosition("c", instance));
        // Through the long-poll's headers too.
        Assert.True(NchanMessageId.TryParse(id.LastModified, id.Etag, out var fromHeaders));
        Assert.Equal(id, fromHeaders);
    }

    [Fact]
    public void AnIdOfAnotherInstance_NamesNoPositionOfThisOne()
    {
        var id = NchanMessageId.From(new Epoch(1_733_240_000_123L, 3), 5);
        Assert.Equal(0, id.ToPosition("c", 1_733_240_000_124L).Epoch.Instance);
    }
}
