using System.Text;

namespace Hark.Tests;

public class MessagePayloadTests
{
    [Fact]
    public void Json_IsCompacted_ToOneLine()
    {
        var ok = MessagePayload.TryFromJson(Encoding.UTF8.GetBytes("{\n  \"a\" : [1, 2],\n  \"b\": \"x\\ny\"\n}"), out var payload, out _);

        Assert.True(ok);
        Assert.Equal("{\"a\":[1,2],\"b\":\"x\\ny\"}", Encoding.UTF8.GetString(payload!.Json.Span));
        Assert.False(payload.IsText);
    }

    [Fact]
    public void Json_TopLevelString_IsText()
    {
        Assert.True(MessagePayload.TryFromJson("\"hi\\nthere\""u8.ToArray(), out var payload, out _));
        Assert.True(payload!.IsText);
        Assert.Equal("hi\nthere", Encoding.UTF8.GetString(payload.Utf8.Span));
        Assert.Equal("\"hi\\nthere\"", Encoding.UTF8.GetString(payload.Json.Span));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"a\":1} x")]
    [InlineData("")]
    [InlineData("nul")]
    public void Json_Invalid_IsRejectedWithReason(string text)
    {
        Assert.False(MessagePayload.TryFromJson(Encoding.UTF8.GetBytes(text), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Json_TooDeep_IsRejected()
    {
        var deep = new string('[', 200) + new string(']', 200);
        Assert.False(MessagePayload.TryFromJson(Encoding.UTF8.GetBytes(deep), out _, out _));
    }

    [Fact]
    public void Text_IsKeptAsIs_AndEscapedForJson()
    {
        Assert.True(MessagePayload.TryFromText("héllo \"you\"\n"u8, out var payload));
        Assert.Equal("héllo \"you\"\n", Encoding.UTF8.GetString(payload!.Utf8.Span));
        Assert.Equal("\"héllo \\\"you\\\"\\n\"", Encoding.UTF8.GetString(payload.Json.Span));
    }

    [Fact]
    public void Text_InvalidUtf8_IsRejected() => Assert.False(MessagePayload.TryFromText([0x61, 0xC3, 0x28], out _));

    [Fact]
    public void SseFields_MultiLineText_BecomesSeveralDataLines()
    {
        var fields = MessageEncoder.EncodeSseFields("note", MessagePayload.FromText("one\r\ntwo\rthree\nfour"));
        Assert.Equal("event: note\ndata: one\ndata: two\ndata: three\ndata: four\n", Encoding.UTF8.GetString(fields));
    }

    [Fact]
    public void SseFields_NoEventName_HasNoEventLine()
    {
        var fields = MessageEncoder.EncodeSseFields(null, MessagePayload.FromText("x"));
        Assert.Equal("data: x\n", Encoding.UTF8.GetString(fields));
    }
}
