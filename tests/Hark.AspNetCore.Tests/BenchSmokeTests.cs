using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Bench;
using Hark.Bench.Reporting;
using Hark.Bench.Scenarios;
using Hark.Bench.Targets;

namespace Hark.AspNetCore.Tests;

/// <summary>A short run of every load-generator scenario against a real server, so the bench tool keeps working.</summary>
public sealed class BenchSmokeTests(ITestOutputHelper output) : IAsyncLifetime, IProgressSink
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);
    private HarkTestServer _server = null!;
    private HarkTarget _target = null!;

    public async Task InitializeAsync()
    {
        _server = await HarkTestServer.StartAsync(output);
        _target = new HarkTarget(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _target.Dispose();
        await _server.DisposeAsync();
    }

    void IProgressSink.Report(string status) => output.WriteLine(status);

    private static BenchSettings Small => new()
    {
        Subscribers = 50,
        Messages = 5,
        Channels = 4,
        SubscribersPerChannel = 2,
        HoldSteps = [20, 60],
        Rates = [100, 200],
        StepDuration = TimeSpan.FromSeconds(1),
        PollTimeout = TimeSpan.FromSeconds(30),
        RoundTimeout = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(20),
        ConnectConcurrency = 16,
    };

    private static FanoutTransport Transport(string scenario) => scenario switch
    {
        "sse" => FanoutTransport.Sse,
        "ws" => FanoutTransport.WebSocket,
        _ => FanoutTransport.LongPoll,
    };

    [Theory]
    [InlineData("fanout")]
    [InlineData("sse")]
    [InlineData("ws")]
    public async Task Fanout_EverySubscriberGetsEveryMessageOnce(string scenario)
    {
        using var cts = new CancellationTokenSource(Budget);
        var result = await new FanoutScenario(_target, Small, this).RunAsync(Transport(scenario), cts.Token);

        Assert.Equal(scenario, result.Scenario);
        Assert.Equal(50 * 5, result.Deliveries);
        Assert.Equal(0, result.Lost);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal(0, result.Errors);
        Assert.NotNull(result.Latency);
        Assert.True(result.DeliveriesPerSecond > 0);
        // No server pid given: no CPU figure, and none written.
        Assert.Null(result.ServerCpu);
        Assert.DoesNotContain("serverCpu", System.Text.Json.JsonSerializer.Serialize(result, BenchJsonContext.Default.ScenarioResult));
    }

    [Theory]
    [InlineData("fanout")]
    [InlineData("sse")]
    [InlineData("ws")]
    public async Task Fanout_WithServerPid_ReportsServerCpuPerDelivery(string scenario)
    {
        using var cts = new CancellationTokenSource(Budget);
        // The server runs in this process. /proc counts CPU in 10 ms ticks, so the run is made long enough
        // (2,000 deliveries, each costing this process tens of µs on both sides) to span several.
        var settings = Small with { Subscribers = 200, Messages = 10, ServerPids = [Environment.ProcessId] };

        var result = await new FanoutScenario(_target, settings, this).RunAsync(Transport(scenario), cts.Token);

        Assert.Equal((200 * 10, 0), (result.Deliveries, result.Lost));
        var cpu = Assert.IsType<ServerCpu>(result.ServerCpu);
        output.WriteLine($"server CPU: {cpu}");
        Assert.True(cpu.Seconds > 0, $"CPU seconds {cpu.Seconds}");
        Assert.True(cpu.MicrosecondsPerDelivery > 0, $"µs per delivery {cpu.MicrosecondsPerDelivery}");
        Assert.True(cpu.Utilisation > 0 && cpu.WallSeconds > 0, $"utilisation {cpu.Utilisation} over {cpu.WallSeconds} s");
        Assert.Equal(cpu.Seconds * 1e6 / result.Deliveries, cpu.MicrosecondsPerDelivery, tolerance: 0.01 + (cpu.MicrosecondsPerDelivery * 0.001));
        Assert.Null(cpu.MicrosecondsPerPublish);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Hold_HoldsEverySubscriber_AndReadsMemory(bool webSocket)
    {
        using var cts = new CancellationTokenSource(Budget);
        var result = await new HoldScenario(_target, Small with { WebSocket = webSocket }, [Environment.ProcessId], this).RunAsync(cts.Token);

        Assert.Equal(webSocket ? ("hold-ws", "websocket") : ("hold", "longpoll"), (result.Scenario, result.Transport));
        Assert.Equal(0, result.Errors);
        Assert.Equal(60, result.Memory![^1].Held);
        Assert.All(result.Memory, p => Assert.True(p.RssBytes > 0));
    }

    [Theory]
    [InlineData("fanout")]
    [InlineData("sse")]
    public async Task Fanout_NchansScenarioAgainstTheNchanDoor_EverySubscriberGetsEveryMessageOnce(string scenario)
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:Nchan:Enabled=true", "Hark:Nchan:SubscriberFirstMessage=newest");
        using var target = HarkNchanTarget.For(new Uri(server.Address, "/nchan"));
        using var cts = new CancellationTokenSource(Budget);
        var result = await new FanoutScenario(target, Small, this).RunAsync(Transport(scenario), cts.Token);

        Assert.Equal("hark-nchan", result.Target);
        Assert.Equal((0, 0, 0), (result.Errors, result.Lost, result.Duplicates));
        Assert.Equal(50 * 5, result.Deliveries);
    }

    [Fact]
    public async Task Throughput_LowRatesWithServerPid_LoseNothingAndReportServerCpu()
    {
        using var cts = new CancellationTokenSource(Budget);
        var result = await new ThroughputScenario(_target, Small with { ServerPids = [Environment.ProcessId] }, this).RunAsync(cts.Token);

        // Whether a rate passes depends on how busy the machine is (the publisher must keep 90% of it), so
        // this smoke run checks only what must always hold: every step ran, lost nothing, and has its CPU figures.
        Assert.NotEmpty(result.Steps!);
        Assert.All(result.Steps!, s => Assert.Equal(0, s.Lost));
        Assert.All(result.Steps!, s => Assert.Equal(s.Expected, s.Delivered));
        Assert.All(result.Steps!, s =>
        {
            var cpu = Assert.IsType<ServerCpu>(s.ServerCpu);
            output.WriteLine($"{s.TargetRate}/s server CPU: {cpu}");
            Assert.True(cpu.MicrosecondsPerDelivery > 0, $"{s.TargetRate}/s: µs per delivery {cpu.MicrosecondsPerDelivery}");
            Assert.True(cpu.MicrosecondsPerPublish > cpu.MicrosecondsPerDelivery, $"{s.TargetRate}/s: µs per publish {cpu.MicrosecondsPerPublish}");
            Assert.True(cpu.Utilisation > 0, $"{s.TargetRate}/s: utilisation {cpu.Utilisation}");
        });
        Assert.Equal(result.Steps!.Where(s => s.Passed).MaxBy(s => s.TargetRate)?.ServerCpu, result.ServerCpu);
    }

    [Fact]
    public async Task Report_FromResults_WritesTablesAndPlots()
    {
        using var cts = new CancellationTokenSource(Budget);
        var fanout = await new FanoutScenario(_target, Small, this).RunAsync(FanoutTransport.LongPoll, cts.Token);
        var dir = Directory.CreateTempSubdirectory("hark-bench-");
        try
        {
            foreach (var (name, result) in new[] { ("a", fanout), ("b", fanout with { Target = "nchan", DeliveriesPerSecond = fanout.DeliveriesPerSecond / 2 }) })
            {
                await File.WriteAllTextAsync(Path.Combine(dir.FullName, $"{name}.json"),
                    System.Text.Json.JsonSerializer.Serialize(result, BenchJsonContext.Default.ScenarioResult));
            }
            var report = Path.Combine(dir.FullName, "benchmarks.md");
            new ReportWriter(dir.FullName, report, Path.Combine(dir.FullName, "plots"), "tools/bench.sh").Write();

            var text = await File.ReadAllTextAsync(report);
            Assert.Contains("## Fan-out over long-poll", text);
            Assert.Contains("| hark | 50 | 5 | 250 | 0 | 0 | 0 |", text);
            Assert.Contains("Hark / Nchan, deliveries per second: **2.00×**", text);
            // The run had no server pid: the CPU columns and ratio say so instead of showing a number.
            Assert.Contains("| n/a | n/a |", text);
            Assert.Contains("Hark / Nchan, server CPU per delivery: n/a", text);
            Assert.StartsWith("<svg", await File.ReadAllTextAsync(Path.Combine(dir.FullName, "plots", "fanout-latency.svg")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RepeatedRuns_ReportTheMedianRun_AndAddUpEveryLoss()
    {
        using var cts = new CancellationTokenSource(Budget);
        var run = await new FanoutScenario(_target, Small, this).RunAsync(FanoutTransport.LongPoll, cts.Token);
        ScenarioResult[] runs =
        [
            run with { DeliveriesPerSecond = 300, Lost = 0 },
            run with { DeliveriesPerSecond = 100, Lost = 2, Errors = 1 },
            run with { DeliveriesPerSecond = 200, Duplicates = 3 },
        ];

        var folded = RepeatedRuns.Median(runs);

        Assert.Equal(200, folded.DeliveriesPerSecond);
        Assert.Equal((2, 3, 1), (folded.Lost, folded.Duplicates, folded.Errors));
        Assert.Equal([300d, 100d, 200d], folded.Runs!.Select(r => r.DeliveriesPerSecond));
        Assert.Equal(0, run.Lost + run.Duplicates);
    }
}
