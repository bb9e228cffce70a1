using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// An RFC 9457 problem answer. <see cref="Type"/> is a stable URN clients can switch on; the list is
/// in docs/protocol.md.
/// </summary>
internal sealed record Problem(int Status, string Type, string Title, string Detail)
{
    /// <summary>Sent as <c>Retry-After</c> (429 and 503 answers).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Extra members of the problem object (RFC 9457 extensions), such as the channel's current version.</summary>
    public IReadOnlyDictionary<string, object?>? Members { get; init; }

    public const string TypePrefix = "urn:hark:problem:";

    public Task WriteAsync(HttpContext context, HarkMetrics metrics)
    {
        metrics.Rejected(Status);
        var extensions = new Dictionary<string, object?> { ["traceId"] = context.TraceIdentifier };
        if (Members is not null)
        {
            foreach (var (name, value) in Members)
            {
                extensions[name] = value;
            }
        }
        if (Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        if (RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return TypedResults.Problem(Detail, context.Request.Path, Status, Title, TypePrefix + Type, extensions).ExecuteAsync(context);
    }

    /// <summary>
    /// The problem's JSON object, as <see cref="WriteAsync"/> writes it, for answers written without an
    /// <see cref="HttpContext"/> (the direct long-poll path).
    /// </summary>
    public byte[] ToJson(string instance, string traceId)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        // The same escaping as the framework's problem writer, so both paths read alike.
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", TypePrefix + Type);
            json.WriteString("title", Title);
            json.WriteNumber("status", Status);
            json.WriteString("detail", Detail);
            json.WriteString("instance", instance);
            json.WriteString("traceId", traceId);
            foreach (var (name, value) in Members ?? new Dictionary<string, object?>())
            {
                switch (value)
                {
                    case null:
                        json.WriteNull(name);
                        break;
                    case long number:
                        json.WriteNumber(name, number);
                        break;
                    case int number:
                        json.WriteNumber(name, number);
                        break;
                    case bool flag:
                        json.WriteBoolean(name, flag);
                        break;
                    default:
                        json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                }
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static Problem BadRequest(string type, string title, string detail) => new(StatusCodes.Status400BadRequest, type, title, detail);

    public static Problem InvalidChannel(string name) => BadRequest(
        "invalid-channel", "Invalid channel name",
        $"'{Shorten(name)}' is not a channel name: use 1 to {ChannelName.MaxLength} characters of A-Z a-z 0-9 . _ - : @ ~.");

    public static Problem InvalidCursor(string detail) => BadRequest("invalid-cursor", "Invalid cursor", detail);

    public static Problem InvalidParameter(string name, string detail) => BadRequest("invalid-parameter", $"Invalid '{name}'", detail);

    public static Problem ChannelNotFound(string name) => new(
        StatusCodes.Status404NotFound, "channel-not-found", "No such channel", $"Channel '{name}' has no history and no subscribers.");

    public static Problem Limit(string detail) => new(StatusCodes.Status503ServiceUnavailable, "limit-reached", "Server limit reached", detail) { RetryAfterSeconds = 5 };

    /// <summary>The problem an engine's refusal is answered with (a store that is down, a server limit); null for any other exception.</summary>
    public static Problem? ForEngineRefusal(Exception e) => e switch
    {
        HarkUnavailableException => Unavailable(e.Message),
        HarkLimitException => Limit(e.Message),
        _ => null,
    };

    public static Problem Unavailable(string detail) => new(StatusCodes.Status503ServiceUnavailable, "unavailable", "Store unavailable", detail) { RetryAfterSeconds = 2 };

    public static Problem TooMany(string type, string title, string detail, int retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, type, title, detail) { RetryAfterSeconds = Math.Max(1, retryAfter) };

    /// <summary>The <c>410</c> of a deleted channel; the channel is a member, so a client on several knows which one.</summary>
    public static Problem ChannelClosed(string name) => new(
        StatusCodes.Status410Gone, "channel-closed", "Channel deleted", $"Channel '{name}' was deleted while this request waited.")
    {
        Members = new Dictionary<string, object?> { ["channel"] = name },
    };

    /// <summary>Cuts user input echoed in a problem so a huge value does not come back whole.</summary>
    public static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");
}
