using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>Writes an HTTP/1.1 response's status line and headers, as Kestrel would for the same answer.</summary>
internal sealed class ResponseHead(TimeProvider time, bool serverHeader)
{
    private DateBytes _date = new(-1, []);

    public void Write(IBufferWriter<byte> output, int status, string contentType, long contentLength, int? retryAfterSeconds = null, bool close = false)
    {
        output.Write(status switch
        {
            200 => "HTTP/1.1 200 OK\r\n"u8,
            400 => "HTTP/1.1 400 Bad Request\r\n"u8,
            410 => "HTTP/1.1 410 Gone\r\n"u8,
            429 => "HTTP/1.1 429 Too Many Requests\r\n"u8,
            503 => "HTTP/1.1 503 Service Unavailable\r\n"u8,
            _ => Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}\r\n"),
        });
        output.Write("Content-Length: "u8);
        WriteNumber(output, contentLength);
        output.Write("\r\nContent-Type: "u8);
        MessageWriter.WriteAscii(output, contentType);
        output.Write("\r\nDate: "u8);
        output.Write(Date());
        if (serverHeader)
        {
            output.Write("\r\nServer: Kestrel"u8);
        }
        output.Write("\r\nCache-Control: no-store"u8);
        if (retryAfterSeconds is { } seconds)
        {
            output.Write("\r\nRetry-After: "u8);
            WriteNumber(output, seconds);
        }
        if (close)
        {
            output.Write("\r\nConnection: close"u8);
        }
        output.Write("\r\n\r\n"u8);
    }

    /// <summary>The <c>Date</c> value (RFC 9110 IMF-fixdate), formatted once a second.</summary>
    private byte[] Date()
    {
        var now = time.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        var cached = _date;
        if (cached.Second != second)
        {
            cached = new DateBytes(second, Encoding.ASCII.GetBytes(now.ToString("r", CultureInfo.InvariantCulture)));
            _date = cached;
        }
        return cached.Bytes;
    }

    private static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    private sealed record DateBytes(long Second, byte[] Bytes);
}
