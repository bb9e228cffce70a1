using System.Net;
using System.Text;
using System.Text.Json;

namespace Hark.Tests.Processes;

/// <summary>The few HTTP calls the multi-process tests make: publish, poll with a cursor, ask and reply, channel info, readiness.</summary>
public sealed class HarkHttp : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { Timeout = TimeSpan.FromSeconds(90) };

    public sealed record Poll(HttpStatusCode Status, IReadOnlyList<string> Data, string? Cursor, bool Gap);

    public async Task<(HttpStatusCode Status, long Seq)> PublishAsync(Uri node, string channel, string text, CancellationToken cancellationToken = default)
    {
        using var response = await _client.PostAsync(new Uri(node, $"/pub/{channel}"), new StringContent(text, Encoding.UTF8, "text/plain"), cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, 0);
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return (response.StatusCode, json.RootElement.GetProperty("seq").GetInt64());
    }

    /// <summary>Publishes and returns the raw answer (the caller disposes it), to look at a problem's headers and body.</summary>
    public Task<HttpResponseMessage> PublishRawAsync(Uri node, string channel, string text) =>
        _client.PostAsync(new Uri(node, $"/pub/{channel}"), new StringContent(text, Encoding.UTF8, "text/plain"));

    public async Task<Poll> PollAsync(Uri node, string channel, string? cursor, int timeoutSeconds, CancellationToken cancellationToken = default)
    {
        var url = $"/sub/{channel}?timeout={timeoutSeconds}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
        using var response = await _client.GetAsync(new Uri(node, url), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new Poll(response.StatusCode, [], null, false);
        }
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        // Text data as its text; JSON data (an ask's question) as its JSON.
        var data = root.GetProperty("messages").EnumerateArray()
            .Select(m => m.GetProperty("data") is { ValueKind: JsonValueKind.String } text ? text.GetString()! : m.GetProperty("data").GetRawText()).ToList();
        return new Poll(response.StatusCode, data, root.GetProperty("cursor").GetString(), root.GetProperty("gap").GetBoolean());
    }

    /// <summary>Asks on <c>{channel}</c> and holds until the answer: its status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> AskAsync(Uri node, string channel, string question, double timeoutSeconds, CancellationToken cancellationToken = default)
    {
        var url = FormattableString.Invariant($"/ask/{channel}?timeout={timeoutSeconds}");
        using var response = await _client.PostAsync(new Uri(node, url), new StringContent(question, Encoding.UTF8, "text/plain"), cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>Confirms the question at <paramref name="replyPath"/> (the <c>reply</c> of the question) with <paramref name="text"/>.</summary>
    public async Task<HttpStatusCode> ReplyAsync(Uri node, string replyPath, string text, CancellationToken cancellationToken = default)
    {
        using var response = await _client.PostAsync(new Uri(node, replyPath), new StringContent(text, Encoding.UTF8, "text/plain"), cancellationToken);
        return response.StatusCode;
    }

    /// <summary>Waiting subscribers of the channel on that node (0 when it does not know the channel).</summary>
    public async Task<int> SubscribersAsync(Uri node, string channel)
    {
        using var response = await _client.GetAsync(new Uri(node, $"/pub/{channel}"));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return 0;
        }
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("subscribers").GetInt32();
    }

    public async Task<bool> IsReadyAsync(Uri node)
    {
        try
        {
            using var response = await _client.GetAsync(new Uri(node, "/healthz/ready"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Any request: its status and body text.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(Uri node, HttpMethod method, string path, string? body = null, string contentType = "text/plain")
    {
        using var request = new HttpRequestMessage(method, new Uri(node, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }
        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => _client.Dispose();
}
