using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Hark.Client;

public sealed partial class HarkClient
{
    /// <summary>
    /// Subscribes to <paramref name="channels"/> from <paramref name="cursor"/> (or from now). Yields every
    /// message once, in order, resuming from its cursor after any interruption; a <see cref="HarkGap"/>
    /// when messages were lost to the server; <see cref="HarkChannelClosed"/> (then ends) when a channel is
    /// deleted. Network errors are retried after a short jittered wait, server errors after a long one;
    /// 401/403 throw <see cref="HarkAuthorizationException"/> and other refusals <see cref="HarkException"/>.
    /// Cancelling the token ends it at once.
    /// </summary>
    public IAsyncEnumerable<HarkEvent> SubscribeAsync(IEnumerable<string> channels, string? cursor = null, CancellationToken cancellationToken = default) =>
        SubscribeAsync(channels, cursor, _options.ClientId, cancellationToken);

    /// <summary>
    /// As <see cref="SubscribeAsync(IEnumerable{string}, string?, CancellationToken)"/>, naming <paramref name="clientId"/> for
    /// presence instead of <see cref="HarkClientOptions.ClientId"/> (null names none): on a channel that tracks presence the
    /// subscription is listed under it while it runs.
    /// </summary>
    public async IAsyncEnumerable<HarkEvent> SubscribeAsync(IEnumerable<string> channels, string? cursor, string? clientId,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (clientId is not null && !IsClientId(clientId))
        {
            throw new ArgumentException("A client id is 1 to 64 characters of A-Z a-z 0-9 . _ - : @.", nameof(clientId));
        }
        var names = channels.ToList();
        var path = "sub/" + string.Join(',', names.Select(Uri.EscapeDataString));
        var retry = new RetryPolicy(_options);
        var grant = new SubscriptionGrant();
        var position = cursor;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_options.Transport == SubscribeTransport.LongPoll)
            {
                var attempt = await PollAsync(path, position, clientId, retry, grant, cancellationToken).ConfigureAwait(false);
                if (attempt.Failure is not null)
                {
                    throw attempt.Failure;
                }
                if (attempt.Closed)
                {
                    yield return new HarkChannelClosed(attempt.ClosedChannel ?? (names.Count == 1 ? names[0] : ""), position ?? "");
                    yield break;
                }
                foreach (var e in attempt.Events)
                {
                    position = e.Cursor;
                    yield return e;
                    if (e is HarkChannelClosed)
                    {
                        yield break;
                    }
                }
                // Every answer carries a cursor, an empty one too: keep it, or the next poll would start from "now".
                position = attempt.Cursor ?? position;
                if (attempt.Wait is { } wait)
                {
                    await Task.Delay(wait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            // A stream (NDJSON or a socket): open it, read it to its end, then reconnect from the cursor.
            var (stream, opened) = _options.Transport == SubscribeTransport.WebSocket
                ? await OpenSocketAsync(names, position, clientId, retry, grant, cancellationToken).ConfigureAwait(false)
                : await OpenStreamAsync(path, position, clientId, retry, grant, cancellationToken).ConfigureAwait(false);
            var ending = opened;
            if (stream is not null)
            {
                await using (stream.ConfigureAwait(false))
                {
                    while (await stream.ReadAsync(position ?? "", cancellationToken).ConfigureAwait(false) is { } e)
                    {
                        position = e.Cursor;
                        if (e is CursorMark)
                        {
                            continue;
                        }
                        yield return e;
                        if (e is HarkChannelClosed)
                        {
                            yield break;
                        }
                    }
                    // The stream ended (the server stopped, the connection broke, or the server refused): say why, or reconnect.
                    ending = stream.Ending ?? new Attempt([], retry.AfterNetworkError());
                }
            }
            if (ending.Failure is not null)
            {
                throw ending.Failure;
            }
            if (ending.Closed)
            {
                yield return new HarkChannelClosed(ending.ClosedChannel ?? (names.Count == 1 ? names[0] : ""), position ?? "");
                yield break;
            }
            await Task.Delay(ending.Wait ?? TimeSpan.Zero, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Attempt> PollAsync(string path, string? cursor, string? clientId, RetryPolicy retry, SubscriptionGrant grant, CancellationToken cancellationToken)
    {
        var seconds = ((int)_options.PollTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var url = $"{path}?timeout={seconds}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))
            + (clientId is null ? "" : "&client=" + Uri.EscapeDataString(clientId));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            AddSubscriberToken(request);
            grant.AddTo(request);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (await RefusalAsync(response, retry, grant, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }
            grant.ReadFrom(response);
            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), default, cancellationToken).ConfigureAwait(false);
            retry.Succeeded();
            return new Attempt(ParseBatch(doc.RootElement, cursor), Cursor: doc.RootElement.GetProperty("cursor").GetString());
        }
        catch (Exception e) when (WireEvents.IsNetworkError(e, cancellationToken))
        {
            return new Attempt([], retry.AfterNetworkError());
        }
    }

    /// <summary>The NDJSON stream, or (null, what its refusal or failure calls for).</summary>
    private async Task<(IEventStream? Stream, Attempt Attempt)> OpenStreamAsync(string path, string? cursor, string? clientId, RetryPolicy retry,
        SubscriptionGrant grant, CancellationToken cancellationToken)
    {
        var query = (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)) + (clientId is null ? "" : "&client=" + Uri.EscapeDataString(clientId));
        using var request = new HttpRequestMessage(HttpMethod.Get, path + (query.Length == 0 ? "" : "?" + query[1..]));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        AddSubscriberToken(request);
        grant.AddTo(request);
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (await RefusalAsync(response, retry, grant, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                response.Dispose();
                return (null, refused);
            }
            retry.Succeeded();
            grant.ReadFrom(response);
            return (await NdjsonEventStream.OpenAsync(response, grant, cancellationToken).ConfigureAwait(false), new Attempt([]));
        }
        catch (Exception e) when (WireEvents.IsNetworkError(e, cancellationToken))
        {
            response?.Dispose();
            return (null, new Attempt([], retry.AfterNetworkError()));
        }
    }

    /// <summary>Null for a 200; else the attempt that the refusal calls for.</summary>
    private static async Task<Attempt?> RefusalAsync(HttpResponseMessage response, RetryPolicy retry, SubscriptionGrant grant, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status == 200)
        {
            return null;
        }
        var problem = await ReadProblemAsync(response, cancellationToken).ConfigureAwait(false);
        return grant.Dropped(problem?.Type) ?? Attempt.Refused(status, problem?.Type, RefusalMessage(status, problem, response.ReasonPhrase), RetryAfter(response.Headers.RetryAfter), retry,
            problem?.Channel);
    }

    private void AddSubscriberToken(HttpRequestMessage request)
    {
        if (_options.SubscriberToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow,
        _ => null,
    };

    private static List<HarkEvent> ParseBatch(JsonElement root, string? requested)
    {
        var events = new List<HarkEvent>();
        var final = root.GetProperty("cursor").GetString()!;
        var messages = root.GetProperty("messages");
        if (root.GetProperty("gap").GetBoolean())
        {
            // With messages after it, the gap resumes from the old cursor (which reports it again);
            // with none, from the batch's cursor, past the gap.
            events.Add(new HarkGap(WireEvents.Gaps(root.GetProperty("gaps")), messages.GetArrayLength() == 0 ? final : requested ?? final));
        }
        foreach (var m in messages.EnumerateArray())
        {
            events.Add(WireEvents.Message(m));
        }
        return events;
    }

    /// <summary>Whether <paramref name="id"/> is a client id: 1 to 64 characters of <c>A–Z a–z 0–9 . _ - : @</c>.</summary>
    private static bool IsClientId(string id) => id.Length is > 0 and <= 64 && id.AsSpan().IndexOfAnyExcept(ClientIdChars) < 0;

    private static readonly System.Buffers.SearchValues<char> ClientIdChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:@");
}
