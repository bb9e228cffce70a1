using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hark;

/// <summary>
/// What a message carries: a JSON value, or UTF-8 text. Made once at publish, in the compact form
/// every transport sends, so no subscriber pays for it again.
/// </summary>
public sealed class MessagePayload
{
    /// <summary>The deepest JSON nesting accepted.</summary>
    public const int MaxJsonDepth = 64;

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        // Non-ASCII text stays as it is; the iframe transport escapes '<' itself.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private MessagePayload(byte[] utf8, byte[] json, bool isText)
    {
        Utf8 = utf8;
        Json = json;
        IsText = isText;
    }

    /// <summary>True for text, false for JSON.</summary>
    public bool IsText { get; }

    /// <summary>The payload as sent in an SSE <c>data:</c> field: the text itself, or compact JSON.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>The payload as a JSON value: compact JSON, or the text as a JSON string.</summary>
    public ReadOnlyMemory<byte> Json { get; }

    /// <summary>Size in bytes, as counted against history and message limits.</summary>
    public int Size => Utf8.Length;

    /// <summary>Makes a text payload; fails when the bytes are not valid UTF-8.</summary>
    public static bool TryFromText(ReadOnlySpan<byte> utf8, out MessagePayload? payload)
    {
        payload = null;
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return false;
        }
        var buffer = new ArrayBufferWriter<byte>(utf8.Length + 16);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStringValue(utf8);
        }
        payload = new MessagePayload(utf8.ToArray(), buffer.WrittenSpan.ToArray(), isText: true);
        return true;
    }

    /// <summary>Makes a text payload.</summary>
    public static MessagePayload FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        TryFromText(System.Text.Encoding.UTF8.GetBytes(text), out var payload);
        return payload!;
    }

    /// <summary>
    /// Makes a payload from one JSON value: a string becomes text; anything else is re-written compactly (so it fits one NDJSON line
    /// and one SSE <c>data:</c> line). Fails with a reason when the bytes are not one valid JSON value.
    /// </summary>
    public static bool TryFromJson(ReadOnlyMemory<byte> utf8, out MessagePayload? payload, out string? error)
    {
        payload = null;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
            var root = document.RootElement;
            // A JSON string is text: the same message as if it had been posted as text/plain.
            payload = root.ValueKind == JsonValueKind.String ? FromText(root.GetString()!) : FromElement(root);
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
        }
        catch (InvalidOperationException e)
        {
            error = e.Message;
        }
        return false;
    }

    /// <summary>Makes a JSON payload from a parsed element.</summary>
    public static MessagePayload FromElement(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            element.WriteTo(writer);
        }
        var json = buffer.WrittenSpan.ToArray();
        return new MessagePayload(json, json, isText: false);
    }
}
