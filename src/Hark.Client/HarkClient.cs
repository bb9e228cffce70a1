using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hark.Client;

/// <summary>
/// Talks to a Hark server over an <see cref="HttpClient"/>: publish (not retried, since a retry could
/// publish twice), and subscribe as an <see cref="IAsyncEnumerable{T}"/> that resumes from its cursor.
/// </summary>
public sealed partial class HarkClient
{
    private readonly HttpClient _http;
    private readonly HarkClientOptions _options;

    /// <summary>Creates a client over <paramref name="http"/>.</summary>
    public HarkClient(HttpClient http, HarkClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _options = options ?? new HarkClientOptions();
        if (_options.BaseAddress is { } address)
        {
            _http.BaseAddress = address;
        }
        if (_http.BaseAddress is null)
        {
            throw new ArgumentException("Set HarkClientOptions.BaseAddress or the HttpClient's BaseAddress.", nameof(options));
        }
    }

    /// <summary>Creates a client from options registered with <c>AddHarkClient</c>.</summary>
    [ActivatorUtilitiesConstructor]
    public HarkClient(HttpClient http, IOptions<HarkClientOptions> options)
        : this(http, options?.Value)
    {
    }

    /// <summary>Publishes text.</summary>
    public Task<HarkPublishResult> PublishAsync(string channel, string text, string? eventName = null, CancellationToken cancellationToken = default) =>
        PublishAsync(channel, new StringContent(text, Encoding.UTF8, "text/plain"), eventName, cancellationToken);

    /// <summary>Publishes a JSON value.</summary>
    public Task<HarkPublishResult> PublishJsonAsync(string channel, JsonElement value, string? eventName = null, CancellationToken cancellationToken = default) =>
        PublishAsync(channel, new StringContent(value.GetRawText(), Encoding.UTF8, "application/json"), eventName, cancellationToken);

    /// <summary>Publishes several messages in order, in one request; all or none are accepted.</summary>
    public async Task<IReadOnlyList<HarkPublishResult>> PublishBatchAsync(IEnumerable<HarkBatchMessage> messages, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "pub")
        {
            Content = JsonContent.Create([.. messages], HarkClientJsonContext.Default.ListHarkBatchMessage),
        };
        using var response = await SendAsPublisherAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync(HarkClientJsonContext.Default.BatchBody, cancellationToken).ConfigureAwait(false);
        return body!.Published;
    }

    /// <summary>A channel's state, or null when the server knows nothing of it.</summary>
    public async Task<HarkChannelInfo?> GetChannelAsync(string channel, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "pub/" + Uri.EscapeDataString(channel));
        using var response = await SendAsPublisherAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(HarkClientJsonContext.Default.HarkChannelInfo, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a channel; its waiting subscribers are told it closed. False when it did not exist.</summary>
    public async Task<bool> DeleteChannelAsync(string channel, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "pub/" + Uri.EscapeDataString(channel));
        using var response = await SendAsPublisherAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<HarkPublishResult> PublishAsync(string channel, HttpContent content, string? eventName, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "pub/" + Uri.EscapeDataString(channel)) { Content = content };
        if (eventName is not null)
        {
            request.Headers.Add("Hark-Event", eventName);
        }
        using var response = await SendAsPublisherAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(HarkClientJsonContext.Default.HarkPublishResult, cancellationToken).ConfigureAwait(false))!;
    }

    private Task<HttpResponseMessage> SendAsPublisherAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_options.PublisherKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return _http.SendAsync(request, cancellationToken);
    }

    /// <summary>Turns a refusal into a typed exception carrying the server's problem.</summary>
    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var problem = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        throw Refusal(status, problem?.Type, RefusalMessage(status, problem, response.ReasonPhrase));
    }

    /// <summary>The exception for a refusal: <see cref="HarkAuthorizationException"/> for 401/403.</summary>
    internal static HarkException Refusal(int status, string? problemType, string message) => status is 401 or 403
        ? new HarkAuthorizationException(status, problemType, message)
        : new HarkException(status, problemType, message);

    internal static string RefusalMessage(int status, ProblemBody? problem, string? reason) =>
        $"{status} {problem?.Title ?? reason}: {problem?.Detail ?? "the server refused the request"}";

    /// <summary>The RFC 9457 body of a refusal, or null when it has none.</summary>
    private static async Task<ProblemBody?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(HarkClientJsonContext.Default.ProblemBody, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
        }
        catch (NotSupportedException)
        {
        }
        return null;
    }
}
