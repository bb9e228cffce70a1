using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Hark.AspNetCore.Internal;

/// <summary>Reads a request body up to a limit, and turns it into a payload by its content type.</summary>
internal static class RequestBody
{
    public static async ValueTask<(ReadOnlyMemory<byte> Body, Problem? Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (default, TooLarge(limit));
        }
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, limit) + 1);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(4096), cancellationToken);
            if (read == 0)
            {
                return (buffer.WrittenMemory, null);
            }
            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return (default, TooLarge(limit));
            }
        }
    }

    /// <summary>
    /// JSON (<c>application/json</c>, <c>*/*+json</c>) becomes a JSON payload; text (<c>text/*</c>, form
    /// posts as curl sends them, or no content type) becomes a text payload; anything else is a 415.
    /// </summary>
    public static Problem? TryMakePayload(string? contentType, ReadOnlyMemory<byte> body, out MessagePayload payload)
    {
        payload = null!;
        var kind = Classify(contentType);
        if (kind == BodyKind.Unsupported)
        {
            return new Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported content type",
                $"'{Problem.Shorten(contentType ?? "")}' is not accepted: send application/json or text (UTF-8).");
        }
        if (kind == BodyKind.Json)
        {
            if (!MessagePayload.TryFromJson(body, out var json, out var error))
            {
                return Problem.BadRequest("invalid-json", "Body is not valid JSON", $"The body was declared as JSON but does not parse: {error}");
            }
            payload = json!;
            return null;
        }
        if (!MessagePayload.TryFromText(body.Span, out var text))
        {
            return Problem.BadRequest("invalid-text", "Body is not valid UTF-8", "A text body must be UTF-8.");
        }
        payload = text!;
        return null;
    }

    public static bool IsJson(string? contentType) => Classify(contentType) == BodyKind.Json;

    private enum BodyKind
    {
        Json,
        Text,
        Unsupported,
    }

    private static BodyKind Classify(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return BodyKind.Text;
        }
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.MediaType.Value is not { } type)
        {
            return BodyKind.Unsupported;
        }
        var charset = media.Charset.Value;
        if (charset is not null
            && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Unsupported;
        }
        if (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Json;
        }
        if (type.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Text;
        }
        return BodyKind.Unsupported;
    }

    private static Problem TooLarge(int limit) => new(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Body too large",
        $"The body is over the limit of {limit} bytes.");
}
