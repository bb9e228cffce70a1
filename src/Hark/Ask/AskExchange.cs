using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Hark.Hub;

namespace Hark.Ask;

/// <summary>
/// Request/reply over channels, apart from any transport. An ask publishes a question carrying a reply token and
/// holds until it is answered; a reply answers it. The reply travels on a channel of its own (<c>~ask.{token}</c>)
/// through the engine, so an asker on one node hears a reply given on another. That channel holds, by version:
/// 0 <c>asked</c> (with the deadline), then 1 either the answer (<c>confirm</c> or <c>decline</c>) or <c>expired</c>;
/// versions make the first of those win, once, on any engine.
/// </summary>
internal sealed class AskExchange(IHarkEngine engine, FanoutHub hub, TimeProvider time)
{
    public const string ReplyPrefix = "~ask.";
    private const int TokenBytes = 16;
    private const string Asked = "asked", Confirm = "confirm", Decline = "decline", Expired = "expired";
    private const int MaxRemembered = 10_000;

    // How long after its deadline an ask can still be repeated with its key and get the same outcome.
    private static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Asking> _byKey = new(StringComparer.Ordinal);

    /// <summary>
    /// Publishes the question to <paramref name="channel"/>, with its reply channel ready before anyone can see the
    /// token; or, for an idempotency <paramref name="key"/> used on this channel within the repeat window, joins that
    /// ask (<see cref="Asking.Joined"/>) and publishes nothing.
    /// </summary>
    /// <remarks><paramref name="replyPathPrefix"/> is where replies are posted, up to the token: the question carries it whole.</remarks>
    public async Task<Asking> BeginAsync(string channel, string eventName, MessagePayload question, TimeSpan timeout, string? key,
        string replyPathPrefix, CancellationToken cancellationToken)
    {
        var keyed = string.IsNullOrEmpty(key) ? null : channel + "\n" + key;
        if (keyed is not null && _byKey.TryGetValue(keyed, out var earlier) && earlier.Expires + RepeatWindow > time.GetUtcNow())
        {
            return earlier with { Joined = true };
        }
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        var replies = ReplyPrefix + token;
        var expires = time.GetUtcNow() + timeout;
        var marker = Json(w =>
        {
            w.WriteString("channel", channel);
            w.WriteString("expires", MessageEncoder.FormatTime(expires));
        });
        var asked = await engine.PublishAsync(new PublishRequest(replies, Asked, marker) { Version = 0 }, cancellationToken);
        Cursor.TryParse(asked.Cursor, out var epoch, out var seq);
        var asking = new Asking(token, [new ChannelPosition(replies, epoch, seq)], expires);
        if (keyed is not null)
        {
            Remember(keyed, asking);
        }
        var envelope = Json(w =>
        {
            w.WriteString("token", token);
            w.WriteString("reply", replyPathPrefix + token);
            w.WriteString("expires", MessageEncoder.FormatTime(expires));
            w.WritePropertyName("question");
            w.WriteRawValue(question.Json.Span, skipInputValidation: true);
        });
        await engine.PublishAsync(new PublishRequest(channel, eventName, envelope), cancellationToken);
        return asking;
    }

    /// <summary>
    /// Holds the asker, through the hub like any subscriber, until the ask ends: answered (confirmed or declined), no
    /// answer in time, the asker went away, or the server is stopping. The last three mark the ask expired, so a late
    /// reply is refused; an answer that won the race to version 1 is the outcome, so no replier told "answered" is contradicted.
    /// </summary>
    public async Task<AskOutcome> AwaitAsync(Asking asking, CancellationToken aborted)
    {
        var replies = ReplyPrefix + asking.Token;
        var after = asking.After;
        var timeout = asking.Expires - time.GetUtcNow();
        var started = time.GetTimestamp();
        while (true)
        {
            var remaining = timeout - time.GetElapsedTime(started);
            var held = remaining > TimeSpan.Zero ? await hub.HoldAsync(after, 8, remaining, aborted) : new HoldResult(WakeReason.Timeout, null);
            if (held.Reason == WakeReason.Ready)
            {
                var batch = held.Batch!;
                after = batch.Positions;
                if (batch.Messages.FirstOrDefault(m => m.Event is Confirm or Decline) is { } answer)
                {
                    return Answered(asking, answer);
                }
                if (batch.Messages.Any(m => m.Event == Expired) || batch.Gaps.Count > 0)
                {
                    break;
                }
                continue;
            }
            if (held.Reason is WakeReason.Cancelled)
            {
                await ExpireAsync(replies, "gone");
                return new AskOutcome(AskEnd.Gone, null, asking);
            }
            if (held.Reason is WakeReason.Stopping)
            {
                await ExpireAsync(replies, "stopping");
                return new AskOutcome(AskEnd.Stopping, null, asking);
            }
            // The deadline, a deleted reply channel, or a full one.
            break;
        }
        if (!await ExpireAsync(replies, "timeout") && await NewestAsync(replies, aborted) is { Event: Confirm or Decline } late)
        {
            return Answered(asking, late);
        }
        return new AskOutcome(AskEnd.TimedOut, null, asking);
    }

    /// <summary>Whether <paramref name="token"/> names a question that was asked (answered, expired or still waiting).</summary>
    public async Task<bool> ExistsAsync(string token, CancellationToken cancellationToken) =>
        IsToken(token) && await engine.GetChannelAsync(ReplyPrefix + token, cancellationToken) is { LastSeq: > 0 };

    /// <summary>Answers the question of <paramref name="token"/> (which <see cref="ExistsAsync"/> found), unless it expired or was answered first.</summary>
    public async Task<ReplyOutcome> ReplyAsync(string token, bool confirm, MessagePayload payload, CancellationToken cancellationToken)
    {
        var replies = ReplyPrefix + token;
        if (await ExpiresAsync(replies, cancellationToken) is { } expires && expires < time.GetUtcNow())
        {
            // The asker's node may have died before it could mark the ask expired: the deadline still holds.
            return ReplyOutcome.Expired;
        }
        var result = await engine.PublishAsync(new PublishRequest(replies, confirm ? Confirm : Decline, payload) { Version = 1 }, cancellationToken);
        if (!result.Stale)
        {
            return ReplyOutcome.Accepted;
        }
        return await NewestAsync(replies, cancellationToken) is { Event: Expired } ? ReplyOutcome.Expired : ReplyOutcome.AlreadyAnswered;
    }

    private static AskOutcome Answered(Asking asking, HarkMessage answer) =>
        new(answer.Event == Decline ? AskEnd.Declined : AskEnd.Confirmed, answer, asking);

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

    /// <summary>Marks the ask expired; false when an answer got there first.</summary>
    private async Task<bool> ExpireAsync(string replies, string reason)
    {
        // Not tied to the asker: it may be gone, and the mark must still land so late replies are refused.
        var result = await engine.PublishAsync(new PublishRequest(replies, Expired, Json(w => w.WriteString("reason", reason))) { Version = 1 }, CancellationToken.None);
        return !result.Stale;
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
