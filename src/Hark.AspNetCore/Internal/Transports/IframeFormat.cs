using System.Buffers;
using System.Text;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>
/// The forever-iframe, for pages too old for EventSource: a never-ending HTML document whose script tags
/// hand each message to the parent page with <c>postMessage</c>, addressed to one origin only (never
/// <c>*</c>, which would hand channel data to any page that embeds the frame). Objects posted:
/// <c>{"cursor"}</c> first, then message objects, <c>{"gap":true,…}</c> and <c>{"closed":true,…}</c>.
/// </summary>
internal sealed class IframeFormat(string targetOrigin) : IStreamFormat
{
    public string Name => "iframe";

    public string ContentType => "text/html; charset=utf-8";

    private static readonly object Frames = new();

    // The target origin is in the opening script only: messages are framed alike for every origin.
    public object? SharedKey => Frames;

    public void WriteOpen(IBufferWriter<byte> output, string cursor)
    {
        output.Write("<!doctype html><html><head><meta charset=\"utf-8\"><title>hark</title></head><body>\n"u8);
        // Some browsers and proxies hold back the first kilobyte of a document before rendering any of it.
        output.Write(Encoding.ASCII.GetBytes("<!--" + new string(' ', 1024) + "-->\n"));
        output.Write("<script>var hark=function(m){parent.postMessage(m,"u8);
        WriteJsonString(output, targetOrigin);
        output.Write(");};</script>\n"u8);
        Post(output, "{\"cursor\":\""u8, cursor, "\"}"u8);
    }

    public void WriteMessage(IBufferWriter<byte> output, HarkMessage message, string cursor)
    {
        var json = new ArrayBufferWriter<byte>(message.Json.Length + 32);
        MessageWriter.WriteJson(json, message, cursor);
        output.Write("<script>hark("u8);
        WriteEscaped(output, json.WrittenSpan);
        output.Write(");</script>\n"u8);
    }

    public void WriteGap(IBufferWriter<byte> output, IReadOnlyList<ChannelGap> gaps, string cursor)
    {
        var json = new ArrayBufferWriter<byte>(128);
        MessageWriter.WriteGaps(json, gaps);
        output.Write("<script>hark({\"gap\":true,\"cursor\":\""u8);
        MessageWriter.WriteAscii(output, cursor);
        output.Write("\",\"gaps\":"u8);
        WriteEscaped(output, json.WrittenSpan);
        output.Write("});</script>\n"u8);
    }

    public void WriteHeartbeat(IBufferWriter<byte> output) => output.Write("<!-- -->\n"u8);

    public void WriteGrant(IBufferWriter<byte> output, string grant) => Post(output, "{\"grant\":\""u8, grant, "\"}"u8);

    public void WriteClosed(IBufferWriter<byte> output, string channel) => Post(output, "{\"closed\":true,\"channel\":\""u8, channel, "\"}"u8);

    private static void Post(IBufferWriter<byte> output, ReadOnlySpan<byte> before, string ascii, ReadOnlySpan<byte> after)
    {
        output.Write("<script>hark("u8);
        output.Write(before);
        MessageWriter.WriteAscii(output, ascii);
        output.Write(after);
        output.Write(");</script>\n"u8);
    }

    /// <summary>Writes JSON into a script element: every '&lt;' becomes \u003c, so no payload can close the tag.</summary>
    private static void WriteEscaped(IBufferWriter<byte> output, ReadOnlySpan<byte> json)
    {
        // '<' only occurs inside JSON strings, where \u003c means the same character.
        while (!json.IsEmpty)
        {
            var lt = json.IndexOf((byte)'<');
            if (lt < 0)
            {
                output.Write(json);
                return;
            }
            output.Write(json[..lt]);
            output.Write("\\u003c"u8);
            json = json[(lt + 1)..];
        }
    }

    private static void WriteJsonString(IBufferWriter<byte> output, string text)
    {
        // Origins are validated URLs (scheme, host, port): nothing in them needs escaping but quotes are kept safe anyway.
        output.Write("\""u8);
        MessageWriter.WriteAscii(output, text.Replace("\"", "", StringComparison.Ordinal).Replace("<", "", StringComparison.Ordinal));
        output.Write("\""u8);
    }
}
