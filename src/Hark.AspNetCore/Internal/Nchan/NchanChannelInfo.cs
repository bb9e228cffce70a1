using System.Globalization;
using System.Text;

namespace Hark.AspNetCore.Internal.Nchan;

/// <summary>
/// Nchan's channel-info body, the answer to a publish, a <c>GET</c> and a <c>DELETE</c> of a publisher location: queued
/// messages, seconds since a subscriber last asked (<c>-1</c>: not known), active subscribers, last message id. Written as
/// plain text (the default), JSON, XML or YAML, by the request's <c>Accept</c>, in Nchan's exact shapes.
/// </summary>
internal sealed record NchanChannelInfo(int Messages, long Requested, int Subscribers, string LastMessageId)
{
    /// <summary>Writes the body for <paramref name="accept"/>; the content type it is in.</summary>
    public (string ContentType, string Body) Format(string accept)
    {
        var (messages, requested, subscribers) = (Number(Messages), Number(Requested), Number(Subscribers));
        return Pick(accept) switch
        {
            Kind.Json => (JsonType(accept), $"{{\"messages\": {messages}, \"requested\": {requested}, \"subscribers\": {subscribers}, \"last_message_id\": \"{LastMessageId}\" }}"),
            Kind.Xml => (XmlType(accept), new StringBuilder()
                .Append("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n")
                .Append("  <messages>").Append(messages).Append("</messages>\r\n")
                .Append("  <requested>").Append(requested).Append("</requested>\r\n")
                .Append("  <subscribers>").Append(subscribers).Append("</subscribers>\r\n")
                .Append("  <last_message_id>").Append(LastMessageId).Append("</last_message_id>\r\n")
                .Append("</channel>").ToString()),
            Kind.Yaml => ("text/yaml", $"---\r\nmessages: {messages}\r\nrequested: {requested}\r\nsubscribers: {subscribers}\r\nlast_message_id: \"{LastMessageId}\"\r\n\r\n"),
            _ => ("text/plain", $"queued messages: {messages}\r\nlast requested: {requested} sec. ago\r\nactive subscribers: {subscribers}\r\nlast message id: {LastMessageId}"),
        };
    }

    private enum Kind
    {
        Text,
        Json,
        Xml,
        Yaml,
    }

    // The first type Nchan knows in the header wins, as Nchan reads it.
    private static Kind Pick(string accept)
    {
        foreach (var part in accept.Split(','))
        {
            var type = part.Split(';')[0].Trim().ToLowerInvariant();
            switch (type)
            {
                case "text/json" or "application/json":
                    return Kind.Json;
                case "text/xml" or "application/xml":
                    return Kind.Xml;
                case "text/yaml" or "application/yaml" or "application/x-yaml" or "text/x-yaml":
                    return Kind.Yaml;
                case "text/plain":
                    return Kind.Text;
            }
        }
        return Kind.Text;
    }

    private static string JsonType(string accept) => accept.Contains("text/json", StringComparison.OrdinalIgnoreCase) ? "text/json" : "application/json";

    private static string XmlType(string accept) => accept.Contains("text/xml", StringComparison.OrdinalIgnoreCase) ? "text/xml" : "application/xml";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
