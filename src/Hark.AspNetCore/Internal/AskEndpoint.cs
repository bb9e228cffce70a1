using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Hark.Hub;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Request/reply over channels. <c>POST /ask/{channel}</c> publishes a question carrying a reply token and
/// holds the request; <c>POST /reply/{token}</c> answers it. The reply travels on a channel of its own
/// (<c>~ask.{token}</c>) through the engine, so an asker on one node hears a reply given on another.
/// That channel holds, by version: 0 <c>asked</c> (with the deadline), then 1 either the answer
/// (<c>confirm</c> or <c>decline</c>) or <c>expired</c>; versions make the first of those win, once.
/// An ask ends in exactly one of: confirmed (200 with the reply body); declined (204); no answer in
/// time (408); the asker went away (nothing written); the server is stopping (503).
/// </summary>
internal sealed class AskEndpoint(IHarkEngine engine, FanoutHub hub, HarkMetrics metrics, IOptions<HarkOptions> options, PublisherGate gate,
    RequestLimits limits, TimeProvider time)
{
    public const string ReplyPrefix = "~ask.";
    public const string AnswerHeader = "Hark-Answer";
    private const int TokenBytes = 16;
    private const string Asked = "asked", Confirm = "confirm", Decline = "decline", Expired = "expired";
    public const string IdempotencyHeader = "Idempotency-Key";
    private const int MaxRemembered = 10_000;

    // How long after its deadline an ask can still be repeated with its key and get the same outcome.
    private static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(1);

    /// <summary>An ask in progress or just ended, by channel and idempotency key: a repeated ask joins it.</summary>
    private sealed record Asking(string Token, IReadOnlyList<ChannelPosition> After, DateTimeOffset Expires);

    private readonly ConcurrentDictionary<string, Asking> _byKey = new(StringComparer.Ordinal);

    /// <summary><c>POST /ask/{channel}?timeout=&amp;event=</c></summary>
    public async Task AskAsync(HttpContext context)
    {
        var channel = context.GetRouteValue("channel") as string ?? "";
        var problem = ChannelName.IsValid(channel) ? gate.Check(context, channel) ?? limits.AdmitPublish(context, gate.HasKeys) : Problem.InvalidChannel(channel);
        var timeout = options.Value.Ask.DefaultTimeout;
        if (problem is null && context.Request.Query["timeout"].ToString() is { Length: > 0 } timeoutText)
        {
            problem = TimeoutParameter.Parse(timeoutText, options.Value.Ask.MaxTimeout, out timeout);
        }
        var eventName = context.Request.Query["event"].ToString() is { Length: > 0 } e ? e : "ask";
        if (problem is null && !EventName.IsValid(eventName))
        {
            problem = Problem.BadRequest("invalid-event", "Invalid event name", $"'{Problem.Shorten(eventName)}' is not an event name.");
        }
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (problem is null && key.Length > 0 && (key.Length > 128 || key.AsSpan().ContainsAnyExceptInRange((char)0x21, (char)0x7e)))
        {
            problem = Problem.BadRequest("invalid-parameter", $"Invalid '{IdempotencyHeader}'", $"{IdempotencyHeader} is 1 to 128 visible ASCII characters.");
        }
        MessagePayload question = null!;
        if (problem is null)
        {
            var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.Limits.MaxMessageBytes, context.RequestAborted);
            problem = tooLarge ?? RequestBody.TryMakePayload(context.Request.ContentType, body, out question);
        }
        var address = RequestLimits.AddressOf(context);
        if (problem is null && !limits.TryHold(address))
        {
            problem = RequestLimits.TooManyHeld(limits.MaxHeld);
        }
        if (problem is not null)
        {
            await problem.WriteAsync(context, metrics);
            return;
        }
        try
        {
            var asking = key.Length > 0 && _byKey.TryGetValue(channel + "\n" + key, out var earlier) && earlier.Expires + RepeatWindow > time.GetUtcNow()
                ? earlier
                : await BeginAsync(context, channel, eventName, question, timeout, key);
            await HoldAsync(context, asking);
        }
        finally
        {
            limits.Release(address);
        }
    }

    /// <summary>Publishes the question, with its reply channel ready before anyone can see the token.</summary>
    private async Task<Asking> BeginAsync(HttpContext context, string channel, string eventName, MessagePayload question, TimeSpan timeout, string key)
    {
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(TokenBytes));
        var replies = ReplyPrefix + token;
        var expires = time.GetUtcNow() + timeout;
        var aborted = context.RequestAborted;
        var marker = Json(w =>
        {
            w.WriteString("channel", channel);
            w.WriteString("expires", MessageEncoder.FormatTime(expires));
        });
        var asked = await engine.PublishAsync(new PublishRequest(replies, Asked, marker) { Version = 0 }, aborted);
        Cursor.TryParse(asked.Cursor, out var epoch, out var seq);
        var asking = new Asking(token, [new ChannelPosition(replies, epoch, seq)], expires);
        if (key.Length > 0)
        {
            Remember(channel + "\n" + key, asking);
        }
        var replyPath = context.Request.PathBase + context.Request.Path.Value![..^("/ask/".Length + channel.Length)] + "/reply/" + token;
        var envelope = Json(w =>
        {
            w.WriteString("token", token);
            w.WriteString("reply", replyPath);
            w.WriteString("expires", MessageEncoder.FormatTime(expires));
            w.WritePropertyName("question");
            w.WriteRawValue(question.Json.Span, skipInputValidation: true);
        });
        await engine.PublishAsync(new PublishRequest(channel, eventName, envelope), aborted);
        metrics.Published(1);
        return asking;
    }

    private void Remember(string key, Asking asking)
    {
        if (_byKey.Count >= MaxRemembered)
        {
            var now = time.GetUtcNow();
            foreach (var (k, old) in _byKey)
            {
                if (old.Expires + RepeatWindow < now)
                {
                    _byKey.TryRemove(k, out _);
                }
            }
        }
        _byKey[key] = asking;
    }

    private async Task HoldAsync(HttpContext context, Asking asking)
    {
        var (token, after, expires) = asking;
        var replies = ReplyPrefix + token;
        var aborted = context.RequestAborted;
        var timeout = expires - time.GetUtcNow();
        var started = time.GetTimestamp();
        metrics.HoldStarted("ask");
        try
        {
            while (true)
            {
                var remaining = timeout - time.GetElapsedTime(started);
                var wake = remaining > TimeSpan.Zero ? await hub.HoldAsync(after, 8, remaining, aborted) : new HoldResult(WakeReason.Timeout, null);
                if (wake.Reason == WakeReason.Ready)
                {
                    var batch = wake.Batch!;
                    after = batch.Positions;
                    if (batch.Messages.FirstOrDefault(m => m.Event is Confirm or Decline) is { } answer)
                    {
                        await AnswerAsync(context, answer);
                        return;
                    }
                    if (batch.Messages.Any(m => m.Event == Expired) || batch.Gaps.Count > 0)
                    {
                        break;
                    }
                    continue;
                }
                if (wake.Reason is WakeReason.Cancelled)
                {
                    await ExpireAsync(replies, "gone");
                    return;
                }
                if (wake.Reason is WakeReason.Stopping)
                {
                    await ExpireAsync(replies, "stopping");
                    await new Problem(StatusCodes.Status503ServiceUnavailable, "stopping", "Server is stopping",
                        "The server stopped before the question was answered; ask again.") { RetryAfterSeconds = 1 }.WriteAsync(context, metrics);
                    return;
                }
                break;
            }
        }
        finally
        {
            metrics.HoldEnded("ask");
        }
        // The deadline passed (or the reply channel was deleted). An answer may still have won the race to
        // version 1; if so, it is the outcome, so no one who was told "answered" is contradicted.
        if (!await ExpireAsync(replies, "timeout") && await NewestAsync(replies, aborted) is { Event: Confirm or Decline } late)
        {
            await AnswerAsync(context, late);
            return;
        }
        await new Problem(StatusCodes.Status408RequestTimeout, "ask-timeout", "No answer",
            $"No one answered before {MessageEncoder.FormatTime(expires)}.") { Members = new Dictionary<string, object?> { ["token"] = token } }
            .WriteAsync(context, metrics);
    }

    private async Task AnswerAsync(HttpContext context, HarkMessage answer)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (answer.Event == Decline)
        {
            response.Headers[AnswerHeader] = "declined";
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        response.Headers[AnswerHeader] = "confirmed";
        response.StatusCode = StatusCodes.Status200OK;
        var payload = answer.Payload;
        response.ContentType = payload.IsText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
        response.ContentLength = payload.Utf8.Length;
        await response.Body.WriteAsync(payload.Utf8, context.RequestAborted);
    }

    /// <summary>Marks the ask expired; false when an answer got there first.</summary>
    private async Task<bool> ExpireAsync(string replies, string reason)
    {
        // Not tied to the request: the asker may be gone, and the mark must still land so late replies get 410.
        var result = await engine.PublishAsync(new PublishRequest(replies, Expired, Json(w => w.WriteString("reason", reason))) { Version = 1 }, CancellationToken.None);
        return !result.Stale;
    }

    /// <summary><c>POST /reply/{token}?answer=confirm|decline</c></summary>
    public async Task ReplyAsync(HttpContext context)
    {
        var token = context.GetRouteValue("token") as string ?? "";
        var replies = ReplyPrefix + token;
        var answer = context.Request.Query["answer"].ToString() switch
        {
            "" or "confirm" or "confirmed" or "yes" => Confirm,
            "decline" or "declined" or "cancel" or "no" => Decline,
            _ => null,
        };
        var problem = answer is null
            ? Problem.InvalidParameter("answer", "answer is confirm (the default) or decline.")
            : limits.AdmitPublish(context, byKey: false);
        if (problem is null && (!IsToken(token) || await engine.GetChannelAsync(replies, context.RequestAborted) is not { LastSeq: > 0 }))
        {
            problem = NotFound(token);
        }
        MessagePayload payload = null!;
        if (problem is null)
        {
            var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.Limits.MaxMessageBytes, context.RequestAborted);
            problem = tooLarge ?? RequestBody.TryMakePayload(context.Request.ContentType, body, out payload);
        }
        if (problem is null && await ExpiresAsync(replies, context.RequestAborted) is { } expires && expires < time.GetUtcNow())
        {
            // The asker's node may have died before it could mark the ask expired: the deadline still holds.
            problem = Gone(token);
        }
        if (problem is null)
        {
            var result = await engine.PublishAsync(new PublishRequest(replies, answer, payload) { Version = 1 }, context.RequestAborted);
            if (!result.Stale)
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            problem = await NewestAsync(replies, context.RequestAborted) is { Event: Expired }
                ? Gone(token)
                : new Problem(StatusCodes.Status409Conflict, "already-answered", "Already answered", "This question was answered already; the first answer stands.");
        }
        await problem.WriteAsync(context, metrics);
    }

    private async Task<DateTimeOffset?> ExpiresAsync(string replies, CancellationToken cancellationToken)
    {
        var start = await engine.GetStartAsync([replies], StartPoint.Oldest, cancellationToken);
        var batch = await engine.ReadAsync(start, 1, cancellationToken);
        if (batch.Messages is [{ Event: Asked } asked])
        {
            using var document = JsonDocument.Parse(asked.Payload.Json);
            if (document.RootElement.TryGetProperty("expires", out var expires) && expires.TryGetDateTimeOffset(out var at))
            {
                return at;
            }
        }
        return null;
    }

    private async Task<HarkMessage?> NewestAsync(string replies, CancellationToken cancellationToken)
    {
        var start = await engine.GetStartAsync([replies], new StartPoint(1), cancellationToken);
        var batch = await engine.ReadAsync(start, 1, cancellationToken);
        return batch.Messages.Count > 0 ? batch.Messages[0] : null;
    }

    private static bool IsToken(string token) =>
        token.Length == 22 && token.AsSpan().IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;

    private static Problem NotFound(string token) => new(StatusCodes.Status404NotFound, "ask-not-found", "No such question",
        $"No question has the reply token '{Problem.Shorten(token)}'.");

    private static Problem Gone(string token) => new(StatusCodes.Status410Gone, "ask-expired", "Question expired",
        $"The question with reply token '{Problem.Shorten(token)}' is no longer waiting: it timed out or its asker went away.");

    private static MessagePayload Json(Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }
        MessagePayload.TryFromJson(buffer.WrittenMemory, out var payload, out _);
        return payload!;
    }
}
