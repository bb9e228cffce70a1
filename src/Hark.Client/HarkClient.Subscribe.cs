using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Hark.Client;

public sealed partial class HarkClient
{
    /// <summary>What one attempt produced: events to yield, a wait before the next attempt, or a failure to throw.</summary>
    private sealed record Attempt(IReadOnlyList<HarkEvent> Events, TimeSpan? Wait = null, Exception? Failure = null, bool Closed = false, string? Cursor = null);

    /// <summary>A stream's position with nothing to yield (the starting cursor line).</summary>
    private sealed record CursorMark(string Cursor) : HarkEvent(Cursor);

    /// <summary>
    /// Subscribes to <paramref name="channels"/> from <paramref name="cursor"/> (or from now). Yields every
    /// message once, in order, resuming from its cursor after any interruption; a <see cref="HarkGap"/>
    /// when messages were lost to the server; <see cref="HarkChannelClosed"/> (then ends) when a channel is
    /// deleted. Network errors are retried after a short jittered wait, server errors after a long one;
    /// 401/403 throw <see cref="HarkAuthorizationException"/> and other refusals <see cref="HarkException"/>.
    /// Cancelling the token ends it at once.
    /// </summary>
    public async IAsyncEnumerable<HarkEvent> SubscribeAsync(IEnumerable<string> channels, string? cursor = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var names = channels.ToList();
        var path = "sub/" + string.Join(',', names.Select(Uri.EscapeDataString));
        var retry = new RetryPolicy(_options);
        var position = cursor;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_options.Transport == SubscribeTransport.LongPoll)
            {
                var attempt = await PollAsync(path, position, retry, cancellationToken).ConfigureAwait(false);
                if (attempt.Failure is not null)
                {
                    throw attempt.Failure;
                }
                if (attempt.Closed)
                {
                    yield return new HarkChannelClosed(names.Count == 1 ? names[0] : "", position ?? "");
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
            var (response, opened) = await OpenStreamAsync(path, position, retry, cancellationToken).ConfigureAwait(false);
            if (opened.Failure is not null)
            {
                throw opened.Failure;
            }
            if (opened.Closed)
            {
                yield return new HarkChannelClosed(names.Count == 1 ? names[0] : "", position ?? "");
                yield break;
            }
            if (response is null)
            {
                await Task.Delay(opened.Wait ?? TimeSpan.Zero, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }
            using (response)
            {
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
                while (await ReadStreamEventAsync(reader, position ?? "", cancellationToken).ConfigureAwait(false) is { } e)
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
            }
            // The stream ended (the server stopped, or the connection broke): reconnect from the cursor.
            await Task.Delay(retry.AfterNetworkError(), _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Attempt> PollAsync(string path, string? cursor, RetryPolicy retry, CancellationToken cancellationToken)
    {
        var seconds = ((int)_options.PollTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        var url = $"{path}?timeout={seconds}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            AddSubscriberToken(request);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (await RefusalAsync(response, retry, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }
            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), default, cancellationToken).ConfigureAwait(false);
            retry.Succeeded();
            return new Attempt(ParseBatch(doc.RootElement, cursor), Cursor: doc.RootElement.GetProperty("cursor").GetString());
        }
        catch (Exception e) when (IsNetworkError(e, cancellationToken))
        {
            return new Attempt([], retry.AfterNetworkError());
        }
    }

    private async Task<(HttpResponseMessage? Response, Attempt Attempt)> OpenStreamAsync(string path, string? cursor, RetryPolicy retry, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path + (cursor is null ? "" : "?cursor=" + Uri.EscapeDataString(cursor)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        AddSubscriberToken(request);
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (await RefusalAsync(response, retry, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                response.Dispose();
                return (null, refused);
            }
            retry.Succeeded();
            return (response, new Attempt([]));
        }
        catch (Exception e) when (IsNetworkError(e, cancellationToken))
        {
            response?.Dispose();
            return (null, new Attempt([], retry.AfterNetworkError()));
        }
    }

    /// <summary>Null for a 200; else the attempt that the refusal calls for.</summary>
    private static async Task<Attempt?> RefusalAsync(HttpResponseMessage response, RetryPolicy retry, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status == 200)
        {
            return null;
        }
        if (status >= 500 || status == 429)
        {
            return new Attempt([], retry.AfterServerError(RetryAfter(response.Headers.RetryAfter)));
        }
        if (response.StatusCode == HttpStatusCode.Gone)
        {
            return new Attempt([], Closed: true);
        }
        try
        {
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (HarkException e)
        {
            return new Attempt([], Failure: e);
        }
        return new Attempt([], Failure: new HarkException(status, null, $"Unexpected answer {status}."));
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
            events.Add(new HarkGap(ParseGaps(root.GetProperty("gaps")), messages.GetArrayLength() == 0 ? final : requested ?? final));
        }
        foreach (var m in messages.EnumerateArray())
        {
            events.Add(ParseMessage(m));
        }
        return events;
    }

    private static async Task<HarkEvent?> ReadStreamEventAsync(StreamReader reader, string cursor, CancellationToken cancellationToken)
    {
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsNetworkError(e, cancellationToken))
            {
                return null;
            }
            if (line is null)
            {
                return null;
            }
            if (line.Length == 0)
            {
                continue;
            }
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("gap", out _))
            {
                return new HarkGap(ParseGaps(root.GetProperty("gaps")), root.GetProperty("cursor").GetString()!);
            }
            if (!root.TryGetProperty("channel", out _) && root.TryGetProperty("cursor", out var start))
            {
                return new CursorMark(start.GetString()!);
            }
            if (root.TryGetProperty("closed", out _))
            {
                return new HarkChannelClosed(root.GetProperty("channel").GetString()!, cursor);
            }
            return ParseMessage(root);
        }
    }

    private static HarkMessage ParseMessage(JsonElement m) => new(
        m.GetProperty("channel").GetString()!,
        m.GetProperty("seq").GetInt64(),
        m.GetProperty("cursor").GetString()!,
        m.GetProperty("time").GetDateTimeOffset(),
        m.TryGetProperty("event", out var name) ? name.GetString() : null,
        m.GetProperty("data").Clone());

    private static List<HarkGapInfo> ParseGaps(JsonElement gaps) =>
        [.. gaps.EnumerateArray().Select(g => new HarkGapInfo(
            g.GetProperty("channel").GetString()!,
            g.GetProperty("reason").GetString()!,
            g.TryGetProperty("missed", out var missed) && missed.ValueKind == JsonValueKind.Number ? missed.GetInt64() : null))];

    private static bool IsNetworkError(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);
}
