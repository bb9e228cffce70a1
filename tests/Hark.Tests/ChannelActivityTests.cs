using Hark.Hub;

namespace Hark.Tests;

public sealed class ChannelActivityTests
{
    private static readonly Epoch E = new(1, 1);

    [Fact]
    public void Take_CountsMessagesFromSequenceNumbers_HighestFirst_AndStartsAgain()
    {
        var activity = new ChannelActivity(8);
        activity.Appended("a", E, 1);
        activity.Appended("b", E, 1);
        activity.Appended("a", E, 4); // a batch of three reported once
        activity.Appended("a", E, 4); // a report heard twice counts one
        activity.Appended("a", new Epoch(1, 2), 1); // a new history counts one

        var top = activity.Take(1);
        Assert.Equal([new ChannelActivity.Top("a", 6)], top);
        Assert.Empty(activity.Take(5));
        activity.Appended("b", E, 3);
        Assert.Equal([new ChannelActivity.Top("b", 2)], activity.Take(5));
    }

    [Fact]
    public void Appended_ManyMoreChannelsThanCounters_KeepsTheBusyOnes()
    {
        var activity = new ChannelActivity(4);
        for (var i = 1; i <= 50; i++)
        {
            activity.Appended("hot", E, i);
            activity.Appended("cold" + i, E, 1);
        }
        var top = activity.Take(1);
        Assert.Equal("hot", Assert.Single(top).Channel);
        Assert.True(top[0].Messages >= 50);
    }
}
