using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests.Nchan;

/// <summary>Requests to the Nchan door as Nchan's clients make them: a long-poll that carries the previous answer's id forward, publishes, info.</summary>
internal static class NchanClient
{
    public const string Prefix = "/nchan";

    /// <summary>The settings every Nchan test server starts with: the door on.</summary>
    public static readonly string[] Settings = ["Hark:Nchan:Enabled=true", "Hark:Poll:DefaultTimeout=00:00:20"];

    /// <summary>A hold short enough that a test sees the 408.</summary>
    public static readonly string[] QuickTimeout = [.. Settings, "Hark:Poll:DefaultTimeout=00:00:01"];

    public static async Task<HttpResponseMessage> PublishAsync(HarkTestServer server, string channel, string body, string contentType = "text/plain",
        string? eventName = null, string? accept = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, $"{Prefix}/pub/{channel}")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        if (eventName is not null)
        {
            request.Headers.Add("X-EventSource-Event", eventName);
        }
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        return await server.Client.SendAsync(request);
    }

    public static async Task PublishOkAsync(HarkTestServer server, string channel, string body, string contentType = "text/plain", string? eventName = null)
    {
        using var response = await PublishAsync(server, channel, body, contentType, eventName);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, $"publish answered {response.StatusCode}");
    }

    /// <summary>One long-poll, resuming from <paramref name="lastModified"/> and <paramref name="etag"/> when given.</summary>
    public static async Task<HttpResponseMessage> PollAsync(HarkTestServer server, string channel, string? lastModified = null, string? etag = null,
        string? accept = null, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Prefix}/sub/{channel}{query}");
        if (lastModified is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }
        if (accept is not null)
        {
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        }
        return await server.Client.SendAsync(request);
    }

    public static string? LastModified(HttpResponseMessage response) =>
        response.Content.Headers.TryGetValues("Last-Modified", out var values) ? values.First() : null;

    public static string? Etag(HttpResponseMessage response) =>
        response.Headers.TryGetValues("ETag", out var values) ? values.First() : null;

    /// <summary>The message id as NchanSubscriber.js makes it from a long-poll answer: Last-Modified in seconds, a colon, the Etag.</summary>
    public static string Id(HttpResponseMessage response) =>
        $"{DateTimeOffset.Parse(LastModified(response)!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds()}:{Etag(response)}";
}
