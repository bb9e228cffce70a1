using System.Text.Json;
using Hark.AspNetCore.Internal.Auth;
using Hark.Hub;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>The publisher's side: publish one, publish a batch, channel info, delete.</summary>
internal sealed class PublishEndpoint(IHarkEngine engine, FanoutHub hub, HarkMetrics metrics, IOptions<HarkOptions> options, PublisherGate gate, RequestLimits limits,
    AuthorizationHook hook)
{
    public const string EventHeader = "Hark-Event";

    public const string VersionHeader = "Hark-Version";

    /// <summary><c>POST /pub/{channel}</c></summary>
    public async Task PublishAsync(HttpContext context)
    {
        var request = context.Request;
        var channel = context.GetRouteValue("channel") as string ?? "";
        var eventName = request.Query["event"].ToString() is { Length: > 0 } q ? q : request.Headers[EventHeader].ToString();
        var (result, problem) = await PublishOneAsync(context, channel, eventName);
        if (problem is not null)
        {
            await problem.WriteAsync(context, metrics);
            return;
        }
        await WriteJsonAsync(context, StatusCodes.Status202Accepted, ToBody(result!), HarkJsonContext.Default.PublishedMessage);
    }

    /// <summary>
    /// Publishes the request's body to <paramref name="channel"/> by the rules of <c>POST /pub/{channel}</c>, for it and for
    /// the Nchan door: the publisher key or loopback rule, the publish rate, the channel and event names, the version
    /// (<c>?version=</c> or <c>Hark-Version</c>), the body's size and content type, a stale version. The result, or the
    /// problem that refused it; an engine's refusal is thrown, answered by the endpoint wrapper in MapHark.
    /// </summary>
    public async ValueTask<(PublishResult? Result, Problem? Problem)> PublishOneAsync(HttpContext context, string channel, string eventName)
    {
        if ((Admit(context, channel) ?? limits.AdmitPublish(context, gate.HasKeys) ?? await AskHookAsync(context, [channel], context.RequestAborted)) is { } denied)
        {
            return (null, denied);
        }
        var request = context.Request;
        if (eventName.Length > 0 && !EventName.IsValid(eventName))
        {
            return (null, InvalidEvent(eventName));
        }
        if (ReadVersion(request, out var version) is { } badVersion)
        {
            return (null, badVersion);
        }
        var (body, tooLarge) = await RequestBody.ReadAsync(request, options.Value.Limits.MaxMessageBytes, context.RequestAborted);
        MessagePayload payload = null!;
        if ((tooLarge ?? RequestBody.TryMakePayload(request.ContentType, body, out payload)) is { } problem)
        {
            return (null, problem);
        }
        // A server limit (HarkLimitException) is answered by the endpoint wrapper in MapHark.
        using var activity = PublishTrace.Start(context, "hark.publish", out var traceParent);
        var result = await engine.PublishAsync(
            new PublishRequest(channel, eventName.Length > 0 ? eventName : null, payload) { Version = version, TraceParent = traceParent },
            context.RequestAborted);
        PublishTrace.Published(activity, result);
        if (result.Stale)
        {
            return (null, StaleVersion(result, version!.Value));
        }
        metrics.Published(1);
        return (result, null);
    }

    /// <summary><c>POST /pub</c> with <c>[{"channel","event","data"}…]</c>: validated whole, then published in order.</summary>
    public async Task PublishBatchAsync(HttpContext context)
    {
        if ((gate.CheckKnownKey(context) ?? limits.AdmitPublish(context, gate.HasKeys)) is { } refused)
        {
            await refused.WriteAsync(context, metrics);
            return;
        }
        var bounds = options.Value.Limits;
        var request = context.Request;
        if (!RequestBody.IsJson(request.ContentType))
        {
            await new Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "Unsupported content type",
                "A batch is a JSON array: send it as application/json.").WriteAsync(context, metrics);
            return;
        }
        var (body, tooLarge) = await RequestBody.ReadAsync(request, bounds.MaxBatchBytes, context.RequestAborted);
        var (batch, problem) = tooLarge is null ? ParseBatch(body, bounds) : (null, tooLarge);
        // Every channel of the batch must be open to the caller's key, or nothing is published.
        problem ??= gate.Check(context, batch!.Select(m => m.Channel));
        problem ??= await AskHookAsync(context, [.. batch!.Select(m => m.Channel!).Distinct()], context.RequestAborted);
        if (problem is not null)
        {
            await problem.WriteAsync(context, metrics);
            return;
        }
        IReadOnlyList<PublishResult> results;
        using var activity = PublishTrace.Start(context, "hark.publish", out var traceParent);
        activity?.SetTag("hark.messages", batch!.Count);
        try
        {
            results = await engine.PublishBatchAsync(traceParent is null ? batch! : [.. batch!.Select(m => m with { TraceParent = traceParent })],
                context.RequestAborted);
        }
        catch (HarkLimitException e)
        {
            // Messages before the one refused were published; the problem says so.
            await Problem.Limit(e.Message + " Messages before it in the batch were published.").WriteAsync(context, metrics);
            return;
        }
        metrics.Published(results.Count(r => !r.Stale));
        await WriteJsonAsync(context, StatusCodes.Status202Accepted, new BatchPublished([.. results.Select(ToBody)]), HarkJsonContext.Default.BatchPublished);
    }

    /// <summary><c>GET /pub/{channel}</c></summary>
    public Task InfoAsync(HttpContext context) => InfoAsync(context, gate.Check);

    /// <summary>Channel info for a caller whom <paramref name="authorize"/> admits (the publisher's gate, or the admin's).</summary>
    public async Task InfoAsync(HttpContext context, Func<HttpContext, string, Problem?> authorize)
    {
        if (Admit(context, authorize, out var channel) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        if (await hub.DescribeAsync(channel, context.RequestAborted) is not { } info)
        {
            await Problem.ChannelNotFound(channel).WriteAsync(context, metrics);
            return;
        }
        var body = new ChannelInfoBody(info.Channel, info.Messages, info.Bytes, info.FirstSeq, info.LastSeq, info.Cursor, info.Subscribers,
            info.LastPublished is { } t ? MessageEncoder.FormatTime(t) : null);
        await WriteJsonAsync(context, StatusCodes.Status200OK, body, HarkJsonContext.Default.ChannelInfoBody);
    }

    /// <summary><c>DELETE /pub/{channel}</c></summary>
    public Task DeleteAsync(HttpContext context) => DeleteAsync(context, gate.Check);

    /// <summary>Deletes a channel for a caller whom <paramref name="authorize"/> admits (the publisher's gate, or the admin's).</summary>
    public async Task DeleteAsync(HttpContext context, Func<HttpContext, string, Problem?> authorize)
    {
        if (Admit(context, authorize, out var channel) is { } denied)
        {
            await denied.WriteAsync(context, metrics);
            return;
        }
        if (!await hub.DeleteAsync(channel, context.RequestAborted))
        {
            await Problem.ChannelNotFound(channel).WriteAsync(context, metrics);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private Problem? Admit(HttpContext context, out string channel) => Admit(context, gate.Check, out channel);

    private static Problem? Admit(HttpContext context, Func<HttpContext, string, Problem?> authorize, out string channel)
    {
        channel = context.GetRouteValue("channel") as string ?? "";
        return ChannelName.IsValid(channel) ? authorize(context, channel) : Problem.InvalidChannel(channel);
    }

    /// <summary>Whether the caller may publish to, describe or delete <paramref name="channel"/>: a valid name, and the publisher key or loopback rule.</summary>
    public Problem? Admit(HttpContext context, string channel) =>
        ChannelName.IsValid(channel) ? gate.Check(context, channel) : Problem.InvalidChannel(channel);

    private static (List<PublishRequest>? Batch, Problem? Problem) ParseBatch(ReadOnlyMemory<byte> body, LimitsOptions limits)
    {
        List<BatchItem>? items;
        try
        {
            items = JsonSerializer.Deserialize(body.Span, HarkJsonContext.Default.ListBatchItem);
        }
        catch (JsonException e)
        {
            return (null, Problem.BadRequest("invalid-json", "Body is not a valid batch", $"Expected [{{\"channel\",\"event\",\"data\"}}, ...]: {e.Message}"));
        }
        if (items is null || items.Count == 0)
        {
            return (null, Problem.BadRequest("invalid-batch", "Empty batch", "A batch holds at least one message."));
        }
        if (items.Count > limits.MaxBatchMessages)
        {
            return (null, Problem.BadRequest("invalid-batch", "Batch too long", $"A batch holds at most {limits.MaxBatchMessages} messages."));
        }
        var batch = new List<PublishRequest>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } item)
            {
                return (null, Problem.BadRequest("invalid-json", "Body is not a valid batch", $"Message {i} is null; expected {{\"channel\",\"event\",\"data\"}}."));
            }
            if (TryMakeRequest(item, limits, out var request) is { } problem)
            {
                return (null, problem with { Detail = $"Message {i}: {problem.Detail}" });
            }
            batch.Add(request);
        }
        return (batch, null);
    }

    /// <summary>
    /// The rules of one published item, <c>{"channel","event","data","version"}</c>, as a batch and a socket's publish
    /// frame send it: a valid channel and event name, data of any JSON kind (a string is text) within the size limit, a
    /// version from 0 up.
    /// </summary>
    private static Problem? TryMakeRequest(BatchItem item, LimitsOptions limits, out PublishRequest request)
    {
        request = null!;
        if (item.Channel is null || !ChannelName.IsValid(item.Channel))
        {
            return Problem.InvalidChannel(item.Channel ?? "");
        }
        var eventName = string.IsNullOrEmpty(item.Event) ? null : item.Event;
        if (eventName is not null && !EventName.IsValid(eventName))
        {
            return InvalidEvent(eventName);
        }
        if (item.Data.ValueKind == JsonValueKind.Undefined)
        {
            return Problem.BadRequest("invalid-batch", "Message without data", "The message has no 'data'.");
        }
        // A JSON string is text, exactly as if it had been posted as text/plain; the same parser as a
        // single publish checks it (a lone surrogate escape, say, is refused here, not a 500 later).
        if (!MessagePayload.TryFromJson(System.Text.Encoding.UTF8.GetBytes(item.Data.GetRawText()), out var payload, out var error))
        {
            return Problem.BadRequest("invalid-json", "Data is not valid", $"'data' is not valid: {error}");
        }
        if (payload!.Size > limits.MaxMessageBytes)
        {
            return new Problem(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Message too large",
                $"The message is over the limit of {limits.MaxMessageBytes} bytes.");
        }
        if (item.Version < 0)
        {
            return InvalidVersion($"'version' is {item.Version}; it must be a whole number from 0 to {long.MaxValue}.");
        }
        request = new PublishRequest(item.Channel, eventName, payload) { Version = item.Version };
        return null;
    }

    /// <summary>
    /// Publishes one item for a caller that is not an HTTP publish request of its own (a socket's publish frame), by the
    /// rules of <c>POST /pub</c>: the publisher key or loopback rule of <paramref name="context"/> (the socket's upgrade
    /// request), the publish rate, the item's rules, a stale version. An engine's refusal is thrown, as for the endpoints.
    /// </summary>
    public async ValueTask<(PublishResult? Result, Problem? Problem)> PublishItemAsync(HttpContext context, BatchItem item, CancellationToken cancellationToken)
    {
        var problem = item.Channel is { } channel && ChannelName.IsValid(channel)
            ? gate.Check(context, channel) ?? limits.AdmitPublish(context, gate.HasKeys) ?? await AskHookAsync(context, [channel], cancellationToken)
            : Problem.InvalidChannel(item.Channel ?? "");
        PublishRequest request = null!;
        if ((problem ?? TryMakeRequest(item, options.Value.Limits, out request)) is { } refused)
        {
            return (null, refused);
        }
        using var activity = PublishTrace.Start(context, "hark.publish", out var traceParent);
        var result = await engine.PublishAsync(request with { TraceParent = traceParent }, cancellationToken);
        PublishTrace.Published(activity, result);
        if (result.Stale)
        {
            return (null, StaleVersion(result, request.Version!.Value));
        }
        metrics.Published(1);
        return (result, null);
    }

    /// <summary>
    /// With <c>Hark:Auth:Hook:OnPublish</c>, a publish the keys allow is put to the authorization hook as well
    /// (<c>"action":"publish"</c>): it must allow every channel. Null when it does, or when publishes are not put to it.
    /// </summary>
    private async ValueTask<Problem?> AskHookAsync(HttpContext context, IReadOnlyList<string> channels, CancellationToken cancellationToken)
    {
        if (!hook.Enabled || !options.Value.Auth.Hook.OnPublish)
        {
            return null;
        }
        var who = new SubscriberCredentials(null, null, context.Request.Headers, RequestLimits.AddressOf(context), "publish");
        var (grant, problem) = await hook.AskAsync("publish", channels, who, cancellationToken);
        return problem ?? (grant!.Channels.Count == channels.Count ? null
            : new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
                "The application's authorization hook does not allow publishing to every channel of this request."));
    }

    private static Problem InvalidEvent(string name) => Problem.BadRequest("invalid-event", "Invalid event name",
        $"'{Problem.Shorten(name)}' is not an event name: use 1 to {EventName.MaxLength} characters of A-Z a-z 0-9 . _ - : /, other than {string.Join(", ", EventName.Reserved)}.");

    /// <summary>The optional <c>version</c> query parameter or <c>Hark-Version</c> header.</summary>
    private static Problem? ReadVersion(HttpRequest request, out long? version)
    {
        version = null;
        var text = request.Query["version"].ToString() is { Length: > 0 } q ? q : request.Headers[VersionHeader].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
        {
            return InvalidVersion($"'{Problem.Shorten(text)}' is not a version: use a whole number from 0 to {long.MaxValue}.");
        }
        version = parsed;
        return null;
    }

    private static Problem InvalidVersion(string detail) => Problem.BadRequest("invalid-version", "Invalid version", detail);

    private static Problem StaleVersion(PublishResult current, long sent) => new(StatusCodes.Status409Conflict, "stale-version", "A newer version was published",
        $"Version {sent} is not newer than the channel's version {current.Version}; nothing was published.")
    {
        Members = new Dictionary<string, object?> { ["channel"] = current.Channel, ["version"] = current.Version, ["cursor"] = current.Cursor },
    };

    private static PublishedMessage ToBody(PublishResult r) => new(r.Channel, r.Seq, r.Cursor, r.Subscribers, r.Version, r.Stale ? true : null);

    private static Task WriteJsonAsync<T>(HttpContext context, int status, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(body, type, "application/json; charset=utf-8", context.RequestAborted);
    }
}
