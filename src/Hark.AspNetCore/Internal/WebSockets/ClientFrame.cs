using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// A command from the client: one JSON object per text frame, <c>{"type":…,"id":…,…}</c>. Its members are read as the
/// named parameters of a subscription (<c>channels</c> as an array or a comma list, <c>cursor</c>, <c>last</c>,
/// <c>max</c>, <c>token</c>, <c>grant</c>, <c>client</c>), by the same parser as <c>/sub</c>'s query string.
/// </summary>
internal sealed class ClientFrame : ISubscribeParameters, IDisposable
{
    /// <summary>The longest <c>id</c> echoed back, in characters of its JSON text.</summary>
    public const int MaxIdLength = 128;

    private static readonly string[] SubscribeMembers = ["channels", "cursor", "last", "max", "token", "grant", "client"];

    private readonly JsonDocument _document;

    private ClientFrame(JsonDocument document, string type, string? id)
    {
        _document = document;
        Type = type;
        Id = id;
    }

    /// <summary>The command: <c>subscribe</c>, <c>unsubscribe</c>, <c>auth</c>, <c>publish</c> or <c>ping</c>.</summary>
    public string Type { get; }

    /// <summary>The <c>id</c> member's JSON text (a string or a number), echoed in the reply; null when absent.</summary>
    public string? Id { get; }

    public JsonElement Root => _document.RootElement;

    /// <summary>Parses a frame; a problem (<c>invalid-frame</c>) when it is not a command object.</summary>
    public static Problem? TryParse(ReadOnlyMemory<byte> bytes, out ClientFrame? frame)
    {
        frame = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return Invalid($"A frame is one JSON object: {e.Message}");
        }
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            document.Dispose();
            return Invalid("A frame is a JSON object with a string member 'type'.");
        }
        string? id = null;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number) || idElement.GetRawText().Length > MaxIdLength)
            {
                document.Dispose();
                return Invalid($"'id' is a string or a number of at most {MaxIdLength} characters.");
            }
            id = idElement.GetRawText();
        }
        frame = new ClientFrame(document, type.GetString()!, id);
        return null;
    }

    public static Problem Invalid(string detail) => Problem.BadRequest("invalid-frame", "Invalid frame", detail);

    /// <summary>A string member, or null when it is absent or not a string.</summary>
    public string? String(string name) =>
        Root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The frame's channels, as <c>/sub/{channels}</c> takes them: a comma list; null when absent or not names.</summary>
    public string? ChannelList()
    {
        if (!Root.TryGetProperty("channels", out var channels))
        {
            return null;
        }
        if (channels.ValueKind == JsonValueKind.String)
        {
            return channels.GetString();
        }
        if (channels.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var names = new List<string>();
        foreach (var item in channels.EnumerateArray())
        {
            // A name with a comma would read as two: no channel name has one, so refuse it whole.
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { } name || name.Contains(','))
            {
                return null;
            }
            names.Add(name);
        }
        return string.Join(',', names);
    }

    public bool TryGet(string name, out string value)
    {
        value = "";
        if (Array.IndexOf(SubscribeMembers, name) < 0 || name == "channels" || !Root.TryGetProperty(name, out var member))
        {
            return false;
        }
        value = member.ValueKind switch
        {
            JsonValueKind.String => member.GetString()!,
            JsonValueKind.Null => "",
            _ => member.GetRawText(),
        };
        return true;
    }

    public void Dispose() => _document.Dispose();

    /// <summary>The problem for a frame whose <c>type</c> this server does not know; the socket stays open.</summary>
    public Problem UnknownType() => new(StatusCodes.Status400BadRequest, "unknown-command", "Unknown command",
        $"'{Problem.Shorten(Type)}' is not one of subscribe, unsubscribe, auth, publish, ping.");
}
