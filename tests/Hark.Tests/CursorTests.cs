namespace Hark.Tests;

public class CursorTests
{
    [Fact]
    public void SingleCursor_FormatThenParse_RoundTrips()
    {
        var epoch = new Epoch(1_763_000_000_000, 42);
        var text = Cursor.Format(epoch, 17);

        Assert.True(Cursor.TryParse(text, out var parsed, out var seq));
        Assert.Equal(epoch, parsed);
        Assert.Equal(17, seq);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData(":5")]
    [InlineData("abc-1:")]
    [InlineData("abc-1:-5")]
    [InlineData("abc-1:+5")]
    [InlineData("ABC-1:5")]
    [InlineData("abc:5")]
    [InlineData("abc-1:5x")]
    [InlineData("abc-1:99999999999999999999")]
    [InlineData("abc-01:5")]
    [InlineData("abc-1:007")]
    public void SingleCursor_Malformed_IsRejected(string text) => Assert.False(Cursor.TryParse(text, out _, out _));

    [Fact]
    public void Token_FormatThenParse_KeepsEveryChannel()
    {
        ChannelPosition[] positions = [new("a", new Epoch(5, 1), 3), new("user.42@x", new Epoch(5, 7), 0)];

        var token = Cursor.FormatToken(positions);

        Assert.DoesNotContain(':', token);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
        Assert.True(Cursor.TryParseToken(token, out var parsed));
        Assert.Equal(positions, parsed);
    }

    [Theory]
    [InlineData("!!!")]
    [InlineData("YWJj")]
    [InlineData("")]
    public void Token_Malformed_IsRejected(string token) => Assert.False(Cursor.TryParseToken(token, out _));

    [Fact]
    public void Format_OneChannel_UsesTheSingleForm()
    {
        var position = new ChannelPosition("a", new Epoch(5, 1), 3);
        Assert.Equal(position.Cursor, Cursor.Format([position]));
    }
}
