using System.Diagnostics;
using System.Net;
using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Trace;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// A publish and its deliveries form one trace: the publish joins the publisher's <c>traceparent</c>, the engine
/// stores the trace context with the message, and each delivery's span (sampled) is a child of the publish's, on the
/// node that published or on another one that read the message from the shared store.
/// </summary>
public sealed class TracingTests(ITestOutputHelper output)
{
    private const string PublisherTrace = "0af7651916cd43dd8448eb211c80319c";
    private const string PublisherSpan = "b7ad6b7169203331";

    [Theory]
    [InlineData("memory")]
    [InlineData("postgres")]
    [InlineData("redis")]
    public async Task Publish_AndItsDeliveries_FormOneTrace_AcrossNodes(string engine)
    {
        var spans = new List<Activity>();
        await using var store = await SharedStore.CreateAsync(engine);
        // The activity source is the process's: one tracer provider (on the delivering node) sees every node's spans.
        await using var publisher = await HarkTestServer.StartAsync(output, store.Settings);
        await using var subscriber = engine == "memory"
            ? null
            : await HarkTestServer.StartAsync(output, s => s.AddOpenTelemetry().WithTracing(t => t.AddSource(HarkTracing.SourceName).AddInMemoryExporter(spans)),
                [.. store.Settings, "Hark:Tracing:DeliverySampleRate=1"]);
        await using var single = engine == "memory"
            ? await HarkTestServer.StartAsync(output, s => s.AddOpenTelemetry().WithTracing(t => t.AddSource(HarkTracing.SourceName).AddInMemoryExporter(spans)),
                "Hark:Tracing:DeliverySampleRate=1")
            : null;
        var (pub, sub) = single is null ? (publisher, subscriber!) : (single, single);

        var c = HarkTestServer.NewChannel();
        var cursor = await sub.NowAsync(c);
        var poll = sub.PollAsync($"/sub/{c}?cursor={cursor}&timeout=30");
        using var sseRequest = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}?cursor={cursor}");
        sseRequest.Headers.Accept.ParseAdd("text/event-stream");
        using var sseResponse = await sub.Client.SendAsync(sseRequest, HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseReader(await sseResponse.Content.ReadAsStreamAsync());
        await HarkTestServer.EventuallyAsync(async () => await sub.WaitingSubscribersAsync(c) == 2, "both subscribers wait");

        using var publish = new HttpRequestMessage(HttpMethod.Post, $"/pub/{c}") { Content = new StringContent("{\"n\":1}", System.Text.Encoding.UTF8, "application/json") };
        publish.Headers.Add("traceparent", $"00-{PublisherTrace}-{PublisherSpan}-01");
        using (var response = await pub.Client.SendAsync(publish))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        await poll.WaitAsync(HarkTestServer.Patience);
        Assert.Contains("\"n\":1", (await sse.ReadEventAsync(HarkTestServer.Patience))!.Data, StringComparison.Ordinal);

        Activity[] Trace()
        {
            lock (spans)
            {
                return [.. spans.Where(s => s.TraceId.ToHexString() == PublisherTrace)];
            }
        }
        await HarkTestServer.EventuallyAsync(() => Trace().Count(s => s.OperationName == "hark.deliver") == 2 && Trace().Any(s => s.OperationName == "hark.publish"),
            "the publish and both deliveries are traced");
        var trace = Trace();
        foreach (var span in trace)
        {
            output.WriteLine($"{span.OperationName} {span.SpanId} parent {span.ParentSpanId} {string.Join(' ', span.TagObjects.Select(t => $"{t.Key}={t.Value}"))}");
        }
        var root = Assert.Single(trace, s => s.OperationName == "hark.publish");
        // Its parent is the publisher's span, or the request's span (a child of it) when the host keeps one.
        Assert.NotEqual(default, root.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, root.Kind);
        Assert.Equal(c, root.GetTagItem("hark.channel"));
        Assert.Equal(1L, root.GetTagItem("hark.seq"));
        var deliveries = trace.Where(s => s.OperationName == "hark.deliver").ToArray();
        Assert.All(deliveries, d =>
        {
            Assert.Equal(root.SpanId, d.ParentSpanId);
            Assert.Equal(ActivityKind.Consumer, d.Kind);
            Assert.Equal(c, d.GetTagItem("hark.channel"));
            Assert.Equal(1L, d.GetTagItem("hark.seq"));
            Assert.True((double)d.GetTagItem("hark.delivery.latency")! >= 0);
        });
        Assert.Equal(["longpoll", "sse"], deliveries.Select(d => (string)d.GetTagItem("hark.transport")!).Order());

        // The latency histogram counts each write, by transport, on the delivering node.
        var metrics = await sub.ScrapeAsync();
        Assert.Equal("histogram", metrics.TypeOf("hark_delivery_latency_seconds"));
        Assert.True(metrics.Value("hark_delivery_latency_seconds_count", ("hark_transport", "longpoll")) >= 1);
        Assert.True(metrics.Value("hark_delivery_latency_seconds_count", ("hark_transport", "sse")) >= 1);
    }

    [Fact]
    public async Task Deliveries_AreSampled_NoneAtRateZero()
    {
        var spans = new List<Activity>();
        await using var server = await HarkTestServer.StartAsync(output,
            s => s.AddOpenTelemetry().WithTracing(t => t.AddSource(HarkTracing.SourceName).AddInMemoryExporter(spans)), "Hark:Tracing:DeliverySampleRate=0");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        var polls = Enumerable.Range(0, 5).Select(_ => server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=30")).ToArray();
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 5, "the polls wait");
        var published = await server.PublishAsync(c, "1");
        await Task.WhenAll(polls).WaitAsync(HarkTestServer.Patience);

        Activity? Publish()
        {
            lock (spans)
            {
                return spans.SingleOrDefault(s => s.OperationName == "hark.publish" && (string?)s.GetTagItem("hark.channel") == c);
            }
        }
        await HarkTestServer.EventuallyAsync(() => Publish() is not null, "the publish is traced");
        lock (spans)
        {
            Assert.DoesNotContain(spans, s => s.OperationName == "hark.deliver" && s.TraceId == Publish()!.TraceId);
        }
        Assert.Equal(5, published.GetProperty("subscribers").GetInt32());
    }

    [Fact]
    public async Task SampleRate_OutOfRange_FailsAtStart()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HarkTestServer.StartAsync(output, "Hark:Tracing:DeliverySampleRate=2"));
        Assert.Contains("DeliverySampleRate", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The store two nodes share: nothing for the memory engine, a database of its own, or a key prefix of its own.</summary>
    private sealed class SharedStore : IAsyncDisposable
    {
        private string? _database;

        public string[] Settings { get; private init; } = [];

        public static async Task<SharedStore> CreateAsync(string engine)
        {
            switch (engine)
            {
                case "postgres":
                    var server = Environment.GetEnvironmentVariable("HARK_TEST_POSTGRES")
                        ?? throw new InvalidOperationException("HARK_TEST_POSTGRES is not set: run the tests with ./scripts/test.sh.");
                    var name = "hark_test_" + Guid.NewGuid().ToString("N")[..16];
                    await using (var connection = new NpgsqlConnection(server))
                    {
                        await connection.OpenAsync();
                        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                        await command.ExecuteNonQueryAsync();
                    }
                    var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
                    return new SharedStore { _database = server + "|" + name, Settings = ["Hark:Engine=postgres", $"Hark:Postgres:ConnectionString={connectionString}"] };
                case "redis":
                    var redis = Environment.GetEnvironmentVariable("HARK_TEST_REDIS")
                        ?? throw new InvalidOperationException("HARK_TEST_REDIS is not set: run the tests with ./scripts/test.sh.");
                    return new SharedStore { Settings = ["Hark:Engine=redis", $"Hark:Redis:Configuration={redis}", $"Hark:Redis:KeyPrefix=t{Guid.NewGuid():N}:"] };
                default:
                    return new SharedStore();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_database?.Split('|') is [var server, var name])
            {
                NpgsqlConnection.ClearAllPools();
                await using var connection = new NpgsqlConnection(server);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
            }
        }
    }
}
