namespace Hark.Tests;

public class NamesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("user.42")]
    [InlineData("qr:ticket_9-x@host~1")]
    public void ChannelName_Valid_IsAccepted(string name) => Assert.True(ChannelName.IsValid(name));

    [Theory]
    [InlineData("")]
    [InlineData("a,b")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("qr.*")]
    [InlineData("é")]
    [InlineData("a\nb")]
    public void ChannelName_Invalid_IsRejected(string name) => Assert.False(ChannelName.IsValid(name));

    [Fact]
    public void ChannelName_TooLong_IsRejected()
    {
        Assert.True(ChannelName.IsValid(new string('a', ChannelName.MaxLength)));
        Assert.False(ChannelName.IsValid(new string('a', ChannelName.MaxLength + 1)));
    }

    [Theory]
    [InlineData("qr.*", "qr.abc", true)]
    [InlineData("qr.*", "qr.", true)]
    [InlineData("qr.*", "qrx", false)]
    [InlineData("user.*.inbox", "user.42.inbox", true)]
    [InlineData("user.*.inbox", "user.42.outbox", false)]
    [InlineData("*", "anything", true)]
    [InlineData("user.42", "user.42", true)]
    [InlineData("user.42", "user.421", false)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    public void ChannelPattern_Matches(string pattern, string channel, bool expected) => Assert.Equal(expected, ChannelPattern.Matches(pattern, channel));

    [Theory]
    [InlineData("a\nb", false)]
    [InlineData("mail/new", true)]
    [InlineData("x y", false)]
    [InlineData("gap", false)]
    [InlineData("Closed", false)]
    [InlineData("error", false)]
    [InlineData("message", false)]
    [InlineData("gaps", true)]
    public void EventName_Rules(string name, bool valid) => Assert.Equal(valid, EventName.IsValid(name));
}
