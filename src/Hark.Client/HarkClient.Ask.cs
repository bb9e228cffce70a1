using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Hark.Client;

public sealed partial class HarkClient
{
    /// <summary>
    /// Publishes a text question to <paramref name="channel"/> and waits up to <paramref name="timeout"/> for someone to
    /// answer it at its reply path (<c>POST /ask/{channel}</c>). Subscribers receive <c>{"token","reply","expires","question"}</c>.
    /// </summary>
    public Task<HarkAnswer> AskAsync(string channel, string text, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        AskAsync(channel, new StringContent(text, Encoding.UTF8, "text/plain"), timeout, cancellationToken);

    /// <summary>Publishes a JSON question and waits for its answer; see <see cref="AskAsync(string, string, TimeSpan, CancellationToken)"/>.</summary>
    public Task<HarkAnswer> AskJsonAsync(string channel, JsonElement question, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        AskAsync(channel, new StringContent(question.GetRawText(), Encoding.UTF8, "application/json"), timeout, cancellationToken);

    /// <summary>
    /// Answers a question: <paramref name="reply"/> is the question's <c>reply</c> path or its token. Throws a
    /// <see cref="HarkException"/> when the question is unknown (404), answered already (409) or expired (410).
    /// </summary>
    public async Task ReplyAsync(string reply, bool confirm, string? text = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(reply);
        // A reply path is absolute (it carries the server's prefix); a bare token is relative to the base address.
        var path = reply.StartsWith('/') ? reply : "reply/" + Uri.EscapeDataString(reply);
        using var request = new HttpRequestMessage(HttpMethod.Post, path + (confirm ? "" : "?answer=decline"))
        {
            Content = new StringContent(text ?? "", Encoding.UTF8, "text/plain"),
        };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HarkAnswer> AskAsync(string channel, HttpContent question, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero || timeout >= _http.Timeout)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The ask's timeout must be positive and shorter than the HttpClient's Timeout.");
        }
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"ask/{Uri.EscapeDataString(channel)}?timeout={seconds}") { Content = question };
        // Any re-send of this request (by a handler or a proxy) joins the same question instead of asking again.
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        using var response = await SendAsPublisherAsync(request, cancellationToken).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return new HarkAnswer(HarkAnswerOutcome.Confirmed, body, response.Content.Headers.ContentType?.MediaType == "application/json");
            case HttpStatusCode.NoContent:
                return new HarkAnswer(HarkAnswerOutcome.Declined, null, false);
            case HttpStatusCode.RequestTimeout:
                return new HarkAnswer(HarkAnswerOutcome.TimedOut, null, false);
            default:
                await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
                throw new HarkException((int)response.StatusCode, null, $"Unexpected answer {(int)response.StatusCode} to an ask.");
        }
    }
}
