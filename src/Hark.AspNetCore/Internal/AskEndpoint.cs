using Hark.Ask;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// The HTTP side of request/reply (<see cref="AskExchange"/> does the rest): <c>POST /ask/{channel}</c> publishes a
/// question and holds the request; <c>POST /reply/{token}</c> answers it. An ask ends in exactly one of: confirmed
/// (200 with the reply body); declined (204); no answer in time (408); the asker went away (nothing written); the
/// server is stopping (503).
/// </summary>
internal sealed class AskEndpoint(AskExchange exchange, HarkMetrics metrics, IOptions<HarkOptions> options, PublisherGate gate, RequestLimits limits)
{
    public const string ReplyPrefix = AskExchange.ReplyPrefix;
    public const string AnswerHeader = "Hark-Answer";
    public const string IdempotencyHeader = "Idempotency-Key";

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
            var replyPath = context.Request.PathBase + context.Request.Path.Value![..^("/ask/".Length + channel.Length)] + "/reply/";
            var asking = await exchange.BeginAsync(channel, eventName, question, timeout, key, replyPath, context.RequestAborted);
            if (!asking.Joined)
            {
                metrics.Published(1);
            }
            metrics.HoldStarted("ask");
            AskOutcome outcome;
            try
            {
                outcome = await exchange.AwaitAsync(asking, context.RequestAborted);
            }
            finally
            {
                metrics.HoldEnded("ask");
            }
            await AnswerAsync(context, outcome);
        }
        finally
        {
            limits.Release(address);
        }
    }

    private async Task AnswerAsync(HttpContext context, AskOutcome outcome)
    {
        var response = context.Response;
        switch (outcome.End)
        {
            case AskEnd.Confirmed:
                response.Headers.CacheControl = "no-store";
                response.Headers[AnswerHeader] = "confirmed";
                response.StatusCode = StatusCodes.Status200OK;
                var payload = outcome.Answer!.Payload;
                response.ContentType = payload.IsText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
                response.ContentLength = payload.Utf8.Length;
                await response.Body.WriteAsync(payload.Utf8, context.RequestAborted);
                return;
            case AskEnd.Declined:
                response.Headers.CacheControl = "no-store";
                response.Headers[AnswerHeader] = "declined";
                response.StatusCode = StatusCodes.Status204NoContent;
                return;
            case AskEnd.Stopping:
                await new Problem(StatusCodes.Status503ServiceUnavailable, "stopping", "Server is stopping",
                    "The server stopped before the question was answered; ask again.") { RetryAfterSeconds = 1 }.WriteAsync(context, metrics);
                return;
            case AskEnd.TimedOut:
                await new Problem(StatusCodes.Status408RequestTimeout, "ask-timeout", "No answer",
                    $"No one answered before {MessageEncoder.FormatTime(outcome.Asking.Expires)}.") { Members = new Dictionary<string, object?> { ["token"] = outcome.Asking.Token } }
                    .WriteAsync(context, metrics);
                return;
            default:
                // The asker went away: nothing is owed to it.
                return;
        }
    }

    /// <summary><c>POST /reply/{token}?answer=confirm|decline</c></summary>
    public async Task ReplyAsync(HttpContext context)
    {
        var token = context.GetRouteValue("token") as string ?? "";
        bool? confirm = context.Request.Query["answer"].ToString() switch
        {
            "" or "confirm" or "confirmed" or "yes" => true,
            "decline" or "declined" or "cancel" or "no" => false,
            _ => null,
        };
        var problem = confirm is null
            ? Problem.InvalidParameter("answer", "answer is confirm (the default) or decline.")
            : limits.AdmitPublish(context, byKey: false);
        if (problem is null && !await exchange.ExistsAsync(token, context.RequestAborted))
        {
            problem = NotFound(token);
        }
        MessagePayload payload = null!;
        if (problem is null)
        {
            var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.Limits.MaxMessageBytes, context.RequestAborted);
            problem = tooLarge ?? RequestBody.TryMakePayload(context.Request.ContentType, body, out payload);
        }
        if (problem is null)
        {
            switch (await exchange.ReplyAsync(token, confirm!.Value, payload, context.RequestAborted))
            {
                case ReplyOutcome.Accepted:
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    return;
                case ReplyOutcome.Expired:
                    problem = Gone(token);
                    break;
                default:
                    problem = new Problem(StatusCodes.Status409Conflict, "already-answered", "Already answered", "This question was answered already; the first answer stands.");
                    break;
            }
        }
        await problem.WriteAsync(context, metrics);
    }

    private static Problem NotFound(string token) => new(StatusCodes.Status404NotFound, "ask-not-found", "No such question",
        $"No question has the reply token '{Problem.Shorten(token)}'.");

    private static Problem Gone(string token) => new(StatusCodes.Status410Gone, "ask-expired", "Question expired",
        $"The question with reply token '{Problem.Shorten(token)}' is no longer waiting: it timed out or its asker went away.");
}
