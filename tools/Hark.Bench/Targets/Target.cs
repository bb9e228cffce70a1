using System.Globalization;
using System.Net;
using System.Text;

namespace Hark.Bench.Targets;

/// <summary>A server under test: how to publish, how to subscribe, and how many subscribers it says it holds.</summary>
internal abstract class Target(Uri baseUri) : IDisposable
{
    public Uri BaseUri { get; } = baseUri;

    public IPEndPoint Endpoint { get; } = new(IPAddress.Parse(baseUri.Host), baseUri.Port);

    protected HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };

    public abstract string Name { get; }

    /// <summary>Publishes a bench payload <c>{"i":index,"t":timestamp}</c> stamped now.</summary>
    public async Task PublishAsync(string channel, long index, CancellationToken cancellationToken)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"{{\"i\":{index},\"t\":{System.Diagnostics.Stopwatch.GetTimestamp()}}}");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync(PublishPath(channel), content, cancellationToken);
        if ((int)response.StatusCode >= 300)
        {
            throw new HttpRequestException($"{Name}: publish answered {(int)response.StatusCode}");
        }
    }

    /// <summary>Subscribers the server says it is holding now (all channels, all transports).</summary>
    public abstract Task<long> HeldAsync(CancellationToken cancellationToken);

    /// <summary>A new long-poll subscriber's state on <paramref name="channel"/>.</summary>
    public abstract LongPollState LongPoll(string channel, TimeSpan timeout);

    /// <summary>The request that opens an SSE stream on <paramref name="channel"/>.</summary>
    public abstract string SseRequest(string channel);

    /// <summary>A new WebSocket subscriber's state on <paramref name="channel"/>, from <paramref name="cursor"/> where the server takes one.</summary>
    public abstract WebSocketSubscriber WebSocket(string channel, string? cursor);

    protected abstract string PublishPath(string channel);

    protected string Host => $"{BaseUri.Host}:{BaseUri.Port}";

    protected Uri WebSocketUri(string pathAndQuery) => new($"ws://{Host}{pathAndQuery}");

    public void Dispose() => Http.Dispose();
}
