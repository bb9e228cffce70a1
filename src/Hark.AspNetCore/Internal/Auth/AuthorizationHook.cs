using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Auth;

/// <summary>
/// Puts a subscription to the application's authorization hook (<see cref="AuthHookOptions"/>): POSTs its channels, the
/// client's allowed headers and address as JSON, and reads the answer. A 2xx allows (its JSON may name <c>user</c>,
/// <c>channels</c> — the subset allowed — and <c>expires</c>); 401 and 403 deny, their body passed back; anything else,
/// a body that is not what a 2xx should carry, or no answer within the timeout fails closed. At most
/// <see cref="AuthHookOptions.Concurrency"/> calls are in flight; the rest wait within the same timeout.
/// </summary>
internal sealed partial class AuthorizationHook
{
    /// <summary>The named <see cref="HttpClient"/> that calls the hook.</summary>
    public const string HttpClientName = "Hark.AuthHook";

    private static readonly string[] DefaultForwarded = ["Cookie", "Authorization"];

    private readonly AuthHookOptions _options;
    private readonly IHttpClientFactory _http;
    private readonly HarkMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly string[] _forwarded;

    public AuthorizationHook(IOptions<HarkOptions> options, IHttpClientFactory http, HarkMetrics metrics, TimeProvider time, ILogger<AuthorizationHook> logger)
    {
        _options = options.Value.Auth.Hook;
        _http = http;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(Math.Max(1, _options.Concurrency));
        _forwarded = _options.ForwardHeaders.Count == 0 ? DefaultForwarded : [.. _options.ForwardHeaders.Where(h => !string.IsNullOrWhiteSpace(h))];
    }

    public bool Enabled => !string.IsNullOrEmpty(_options.Url);

    /// <summary>Asks the hook about <paramref name="channels"/>: a grant, or the problem that refuses them.</summary>
    public async ValueTask<(Grant? Grant, Problem? Problem)> AskAsync(string action, IReadOnlyList<string> channels, SubscriberCredentials who,
        CancellationToken cancellation)
    {
        var started = _time.GetTimestamp();
        var outcome = "failed";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(_options.Timeout);
        var waiting = false;
        try
        {
            waiting = true;
            await _slots.WaitAsync(timeout.Token);
            waiting = false;
            try
            {
                var body = new HookRequest(action, channels, Forwarded(who.Headers), who.Address?.ToString() ?? "", who.Transport);
                using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url)
                {
                    Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, HarkJsonContext.Default.HookRequest))
                    {
                        Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
                    },
                };
                using var response = await _http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                var status = (int)response.StatusCode;
                if (status is 401 or 403)
                {
                    outcome = "denied";
                    return (null, Denied(action, status, text, response.Content.Headers.ContentType?.MediaType));
                }
                if (status is < 200 or > 299)
                {
                    Log.Failed(_logger, status);
                    return (null, Unavailable($"The application's authorization hook answered {status}."));
                }
                if (Allowed(text, channels) is not { } grant)
                {
                    Log.BadAnswer(_logger);
                    return (null, Unavailable("The application's authorization hook gave an answer that is not a grant."));
                }
                outcome = grant.Channels.Count == 0 ? "denied" : "allowed";
                return grant.Channels.Count == 0
                    ? (null, new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
                        "The application's authorization hook allowed none of the requested channels."))
                    : (grant, null);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            outcome = "timeout";
            Log.TimedOut(_logger, _options.Timeout, waiting);
            return (null, Unavailable($"The application's authorization hook did not answer within {_options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s."));
        }
        catch (HttpRequestException e)
        {
            Log.Unreachable(_logger, e);
            return (null, Unavailable("The application's authorization hook could not be reached."));
        }
        finally
        {
            _metrics.HookCalled(outcome, _time.GetElapsedTime(started));
        }
    }

    private Dictionary<string, string> Forwarded(IHeaderDictionary? headers)
    {
        var forwarded = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (headers is null)
        {
            return forwarded;
        }
        foreach (var name in _forwarded)
        {
            if (headers.TryGetValue(name, out var value) && value.Count > 0)
            {
                forwarded[name] = value.ToString();
            }
        }
        return forwarded;
    }

    /// <summary>A 2xx answer's grant: an empty body allows every channel asked for; <c>channels</c> narrows them (never widens).</summary>
    private Grant? Allowed(string text, IReadOnlyList<string> asked)
    {
        var now = _time.GetUtcNow();
        var expires = now + _options.GrantLifetime;
        if (string.IsNullOrWhiteSpace(text))
        {
            return new Grant(asked, null, expires);
        }
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            string? user = null;
            if (root.TryGetProperty("user", out var u) && u.ValueKind != JsonValueKind.Null)
            {
                user = u.ValueKind == JsonValueKind.String ? u.GetString() : u.GetRawText();
            }
            IReadOnlyList<string> channels = asked;
            if (root.TryGetProperty("channels", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }
                var named = c.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : null).ToList();
                if (named.Any(n => n is null))
                {
                    return null;
                }
                channels = [.. asked.Where(named.Contains)];
            }
            if (root.TryGetProperty("expires", out var e) && e.ValueKind != JsonValueKind.Null)
            {
                if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var seconds))
                {
                    expires = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
                }
                else if (e.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    expires = at;
                }
                else
                {
                    return null;
                }
            }
            if (expires > now + _options.MaxGrantLifetime)
            {
                expires = now + _options.MaxGrantLifetime;
            }
            return new Grant(channels, user, expires);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The hook's refusal, passed back: its status, and its body as the detail (a problem's own <c>detail</c> when it sent one).</summary>
    private static Problem Denied(string action, int status, string body, string? mediaType)
    {
        var detail = body.Trim();
        string? title = null;
        if (mediaType is not null && mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (json.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                    {
                        detail = d.GetString()!;
                    }
                    if (json.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String)
                    {
                        title = t.GetString();
                    }
                }
            }
            catch (JsonException)
            {
            }
        }
        if (detail.Length == 0)
        {
            detail = status == 401 ? "The application does not know this client." : $"The application does not allow this {action}.";
        }
        else if (detail.Length > 1000)
        {
            detail = string.Concat(detail.AsSpan(0, 997), "...");
        }
        var publish = action == "publish";
        return new Problem(status, publish ? "publish-denied" : "subscription-denied", title ?? (publish ? "Publish denied" : "Subscription denied"), detail) { Members = new Dictionary<string, object?> { ["hookStatus"] = status } };
    }

    private static Problem Unavailable(string detail) =>
        new(StatusCodes.Status503ServiceUnavailable, "auth-unavailable", "Authorization unavailable", detail + " The subscription is refused until it answers.")
        {
            RetryAfterSeconds = 5,
        };

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The authorization hook answered {Status}; subscriptions it decides are refused with 503.", EventName = "HookFailed")]
        public static partial void Failed(ILogger logger, int status);

        [LoggerMessage(2, LogLevel.Warning, "The authorization hook's 2xx answer was not a grant (a JSON object with user, channels, expires).", EventName = "HookBadAnswer")]
        public static partial void BadAnswer(ILogger logger);

        [LoggerMessage(3, LogLevel.Warning, "The authorization hook did not answer within {Timeout} (still waiting for a slot: {Queued}).", EventName = "HookTimedOut")]
        public static partial void TimedOut(ILogger logger, TimeSpan timeout, bool queued);

        [LoggerMessage(4, LogLevel.Warning, "The authorization hook could not be reached.", EventName = "HookUnreachable")]
        public static partial void Unreachable(ILogger logger, Exception exception);
    }
}
