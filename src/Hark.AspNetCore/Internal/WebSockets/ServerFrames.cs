using System.Buffers;
using System.Text.Json;

namespace Hark.AspNetCore.Internal.WebSockets;

/// <summary>
/// The socket's control frames, <c>{"type":…,"id":…,…}</c>; messages go out as the message objects of every other
/// transport, from their cached bytes. <c>id</c> is the client command's own, echoed as it was sent.
/// </summary>
internal static class ServerFrames
{
    /// <summary>A subscription is open; <paramref name="grant"/> is the one the authorization hook just issued for it, if any.</summary>
    public static byte[] Subscribed(string? id, IReadOnlyList<string> channels, string cursor, string? grant = null) =>
        Build("subscribed", id, (channels, cursor, grant), static (json, state) =>
        {
            WriteChannels(json, state.channels);
            json.WriteString("cursor", state.cursor);
            if (state.grant is not null)
            {
                json.WriteString("grant", state.grant);
            }
        });

    public static byte[] Unsubscribed(string? id, IReadOnlyList<string> channels, string cursor) =>
        Build("unsubscribed", id, (channels, cursor), static (json, state) =>
        {
            WriteChannels(json, state.channels);
            json.WriteString("cursor", state.cursor);
        });

    /// <summary>Messages after <paramref name="cursor"/>'s old position were lost; <paramref name="cursor"/> accounts for it.</summary>
    public static byte[] Gap(string? id, string cursor, IReadOnlyList<ChannelGap> gaps) =>
        Build("gap", id, (cursor, gaps), static (json, state) =>
        {
            json.WriteString("cursor", state.cursor);
            json.WritePropertyName("gaps");
            var list = new ArrayBufferWriter<byte>(128);
            MessageWriter.WriteGaps(list, state.gaps);
            json.WriteRawValue(list.WrittenSpan, skipInputValidation: true);
        });

    /// <summary>A channel of the subscription was deleted; the subscription has ended.</summary>
    public static byte[] Closed(string? id, string channel) =>
        Build("closed", id, channel, static (json, channel) => json.WriteString("channel", channel));

    /// <summary>A command was refused, or the socket is about to close for <paramref name="problem"/>.</summary>
    public static byte[] Error(string? id, Problem problem, string instance, string traceId) =>
        Build("error", id, (problem, instance, traceId), static (json, state) =>
        {
            if (state.problem.RetryAfterSeconds is { } seconds)
            {
                json.WriteNumber("retryAfter", seconds);
            }
            json.WritePropertyName("problem");
            json.WriteRawValue(state.problem.ToJson(state.instance, state.traceId), skipInputValidation: true);
        });

    public static byte[] Published(string? id, PublishResult result) =>
        Build("published", id, result, static (json, r) =>
        {
            json.WriteString("channel", r.Channel);
            json.WriteNumber("seq", r.Seq);
            json.WriteString("cursor", r.Cursor);
            json.WriteNumber("subscribers", r.Subscribers);
            if (r.Version is { } version)
            {
                json.WriteNumber("version", version);
            }
        });

    /// <summary>The grant a subscription goes on under, after the hook was asked again at the old one's expiry.</summary>
    public static byte[] Grant(string? id, string grant) => Build("grant", id, grant, static (json, state) => json.WriteString("grant", state));

    public static byte[] Authorized(string? id) => Build("authorized", id, 0, static (_, _) => { });

    public static byte[] Pong(string? id) => Build("pong", id, 0, static (_, _) => { });

    private static void WriteChannels(Utf8JsonWriter json, IReadOnlyList<string> channels)
    {
        json.WriteStartArray("channels");
        foreach (var channel in channels)
        {
            json.WriteStringValue(channel);
        }
        json.WriteEndArray();
    }

    private static byte[] Build<T>(string type, string? id, T state, Action<Utf8JsonWriter, T> members)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            if (id is not null)
            {
                json.WritePropertyName("id");
                json.WriteRawValue(id, skipInputValidation: true);
            }
            members(json, state);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
