using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Hark.Client;

public sealed partial class HarkClient
{
    /// <summary>The prefix of a tracked channel's companion, whose messages are its joins and leaves.</summary>
    private const string CompanionPrefix = "~presence.";

    /// <summary>
    /// Who is on <paramref name="channel"/> now (<c>GET /pub/{channel}/presence</c>), asked with the publisher key, or else the
    /// subscriber token. <paramref name="limit"/> lists fewer (the count is always exact). Throws <see cref="HarkException"/>
    /// <c>404 presence-off</c> when the channel does not track presence, <see cref="HarkAuthorizationException"/> for 401/403.
    /// </summary>
    public async Task<HarkPresence> GetPresenceAsync(string channel, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var path = "pub/" + Uri.EscapeDataString(channel) + "/presence"
            + (limit is { } n ? "?limit=" + n.ToString(CultureInfo.InvariantCulture) : "");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if ((_options.PublisherKey is { Length: > 0 } ? _options.PublisherKey : _options.SubscriberToken) is { Length: > 0 } bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(HarkClientJsonContext.Default.HarkPresence, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Follows who is on <paramref name="channel"/>: yields the list (<see cref="HarkPresenceList"/>), then each join and leave
    /// from the list's cursor on the companion channel <c>~presence.{channel}</c> (on <see cref="HarkClientOptions.Transport"/>,
    /// naming no client), so none after the list is missed. A join of a client the list has already and a leave of one it never
    /// had are skipped; when joins or leaves were lost (a gap) or the companion was deleted, the list is read again and yielded
    /// anew. Reading the list retries network and server errors like a subscription; other refusals throw.
    /// </summary>
    public async IAsyncEnumerable<HarkPresenceEvent> WatchPresenceAsync(string channel, int? limit = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var retry = new RetryPolicy(_options);
        while (true)
        {
            HarkPresence? list = null;
            TimeSpan wait;
            try
            {
                list = await GetPresenceAsync(channel, limit, cancellationToken).ConfigureAwait(false);
                retry.Succeeded();
                wait = TimeSpan.Zero;
            }
            catch (Exception e) when (WireEvents.IsNetworkError(e, cancellationToken))
            {
                wait = retry.AfterNetworkError();
            }
            catch (HarkException e) when (e.Status is >= 500 or 429)
            {
                wait = retry.AfterServerError(null);
            }
            if (list is null)
            {
                await Task.Delay(wait, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }
            yield return new HarkPresenceList(list);
            var listed = list.Clients.Select(c => c.Client).ToHashSet(StringComparer.Ordinal);
            var unlisted = Math.Max(0, list.Count - listed.Count);
            await foreach (var e in SubscribeAsync([CompanionPrefix + channel], list.Cursor, clientId: null, cancellationToken).ConfigureAwait(false))
            {
                if (e is HarkGap or HarkChannelClosed)
                {
                    // Joins or leaves were lost, or the companion ended: read the list again.
                    break;
                }
                if (e is not HarkMessage { Data.ValueKind: JsonValueKind.Object } m || !m.Data.TryGetProperty("client", out var idElement)
                    || idElement.GetString() is not { } id)
                {
                    continue;
                }
                var user = m.Data.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                var transport = m.Data.TryGetProperty("transport", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
                if (m.Event == "join" && listed.Add(id))
                {
                    if (limit is { } most && listed.Count > most)
                    {
                        listed.Remove(id);
                        unlisted++;
                    }
                    yield return new HarkPresenceJoined(new HarkPresentClient(id, user, transport, m.Time), m.Cursor);
                }
                else if (m.Event == "leave")
                {
                    // A leave of a client not listed counts only against those past the limit; otherwise it left before the list.
                    if (!listed.Remove(id))
                    {
                        if (unlisted == 0)
                        {
                            continue;
                        }
                        unlisted--;
                    }
                    var reason = m.Data.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
                    yield return new HarkPresenceLeft(id, user, transport, reason, m.Time, m.Cursor);
                }
            }
        }
    }
}
