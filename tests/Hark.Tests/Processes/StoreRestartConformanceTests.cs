using System.Net;
using Xunit.Abstractions;

namespace Hark.Tests.Processes;

/// <summary>
/// The store stops and starts again, its data kept, under two running nodes: publishers are told to retry (503
/// with a problem body and Retry-After), readiness says so, held polls stay held, and once the store is back the
/// nodes recover alone with nothing acknowledged lost and no gap.
/// </summary>
public abstract class StoreRestartConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ProcessNodes _nodes = new(output);

    /// <summary>The environment that puts a node on the store (<c>Hark__Engine</c> and its settings).</summary>
    protected abstract IReadOnlyDictionary<string, string> NodeSettings { get; }

    /// <summary>Stops the store, keeping what it acknowledged.</summary>
    protected abstract Task StopStoreAsync();

    /// <summary>Starts it again, on the same address.</summary>
    protected abstract Task StartStoreAsync();

    [Fact]
    public async Task StoreRestarted_PublishersSee503_NodesRecoverAlone_NothingAcknowledgedLost()
    {
        var http = _nodes.Http;
        var nodes = await _nodes.StartAsync(NodeSettings, "A", "B");
        var (a, b) = (nodes[0].Address, nodes[1].Address);
        var channel = "r" + Guid.NewGuid().ToString("N")[..12];
        var start = (await http.PollAsync(b, channel, null, 0)).Cursor;
        var acknowledged = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await http.PublishAsync(a, channel, $"m{acknowledged.Count}")).Status);
            acknowledged.Add($"m{acknowledged.Count}");
        }
        var cursor = (await http.PollAsync(b, channel, null, 0)).Cursor;
        // Held on B across the outage: it must end normally (at its timeout, or with messages), not fail.
        var held = http.PollAsync(b, channel, cursor, 20);
        await ProcessNodes.Until(async () => await http.SubscribersAsync(b, channel) == 1, "B holds the poll");

        await StopStoreAsync();
        var refused = 0;
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var (status, _) = await http.PublishAsync(a, channel, $"x{i}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                refused++;
            }
            using (var problem = await http.PublishRawAsync(b, channel, "x"))
            {
                // A problem a client can act on: its type, and when to try again; nothing of the driver's internals.
                Assert.Equal(HttpStatusCode.ServiceUnavailable, problem.StatusCode);
                Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
                var body = await problem.Content.ReadAsStringAsync();
                Assert.Contains("urn:hark:problem:unavailable", body);
                Assert.True(body.Length < 400, "a short problem, not a driver's diagnostics: " + body);
                Assert.NotNull(problem.Headers.RetryAfter);
            }
            await ProcessNodes.Until(async () => !await http.IsReadyAsync(a) && !await http.IsReadyAsync(b), "both nodes report not ready");
        }
        finally
        {
            await StartStoreAsync();
        }

        await ProcessNodes.Until(async () => await http.IsReadyAsync(a) && await http.IsReadyAsync(b), "both nodes are ready again");
        // Publishers retry on 503; only an acknowledged publish counts as sent.
        while (acknowledged.Count < 15)
        {
            var text = $"m{acknowledged.Count}";
            var (status, _) = await http.PublishAsync(a, channel, text);
            if (status == HttpStatusCode.Accepted)
            {
                acknowledged.Add(text);
            }
            else
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            }
        }

        var heldPoll = await held.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, heldPoll.Status);
        var seen = new List<string>();
        var position = start;
        while (seen.Count < acknowledged.Count)
        {
            var poll = await http.PollAsync(seen.Count % 2 == 0 ? b : a, channel, position, 10).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(poll.Gap);
            seen.AddRange(poll.Data);
            position = poll.Cursor;
        }
        Assert.Equal(5, refused);
        Assert.Equal(acknowledged, seen);
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await _nodes.DisposeAsync();
}
