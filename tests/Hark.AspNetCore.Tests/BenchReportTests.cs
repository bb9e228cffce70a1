using Hark.Bench;
using Hark.Bench.Reporting;
using Hark.Bench.Scenarios;

namespace Hark.AspNetCore.Tests;

/// <summary>The report's server CPU columns and ratios, from results written by hand.</summary>
public sealed class BenchReportTests
{
    private static ScenarioResult Result(string scenario, string target) => new()
    {
        Scenario = scenario,
        Target = target,
        Transport = scenario switch
        {
            "sse" => "sse",
            "ws" or "hold-ws" => "websocket",
            _ => "longpoll",
        },
        Started = DateTimeOffset.UnixEpoch,
        Subscribers = 1000,
        Messages = 10,
    };

    private static RateStep Step(int rate, bool passed, ServerCpu? cpu) =>
        new(rate, rate, rate, rate * 2, passed ? rate * 2 : rate, passed ? 0 : rate, 10, passed, passed ? null : "deliveries missing", cpu);

    private static string Write(params ScenarioResult[] results)
    {
        var dir = Directory.CreateTempSubdirectory("hark-bench-report-");
        try
        {
            for (var i = 0; i < results.Length; i++)
            {
                File.WriteAllText(Path.Combine(dir.FullName, $"{i}.json"), System.Text.Json.JsonSerializer.Serialize(results[i], BenchJsonContext.Default.ScenarioResult));
            }
            var report = Path.Combine(dir.FullName, "benchmarks.md");
            new ReportWriter(dir.FullName, report, Path.Combine(dir.FullName, "plots"), command: null).Write();
            return File.ReadAllText(report);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Fanout_BothWithServerCpu_ShowsColumnsAndRatio()
    {
        var text = Write(
            Result("fanout", "hark") with { ServerCpu = new ServerCpu(4.2, 5, 0.84, 42) },
            Result("fanout", "nchan") with { ServerCpu = new ServerCpu(1.4, 2.5, 0.56, 14) });

        Assert.Contains("server CPU µs/delivery | CPU busy: server / generator (saturated) |", text);
        Assert.Contains("| 42.0 | 84% |", text);
        Assert.Contains("| 14.0 | 56% |", text);
        Assert.Contains("- Hark / Nchan, server CPU per delivery: **3.00×** (Nchan better)", text);
    }

    [Fact]
    public void Fanout_WithTheNchanDoor_ShowsItsRow_AndItsRatiosToNchan()
    {
        var text = Write(
            Result("fanout", "hark") with { DeliveriesPerSecond = 900, ServerCpu = new ServerCpu(4.2, 5, 0.84, 42) },
            Result("fanout", "hark-nchan") with { DeliveriesPerSecond = 600, ServerCpu = new ServerCpu(2.8, 5, 0.56, 28) },
            Result("fanout", "nchan") with { DeliveriesPerSecond = 300, ServerCpu = new ServerCpu(1.4, 2.5, 0.56, 14) });

        Assert.Contains("| hark-nchan | 1,000 | 10 |", text);
        Assert.Contains("| 28.0 | 56% |", text);
        // The Hark / Nchan ratios stay those of Hark's own door.
        Assert.Contains("- Hark / Nchan, deliveries per second: **3.00×**", text);
        Assert.Contains("- Hark's Nchan door / Nchan, deliveries per second: **2.00×** (Hark's Nchan door at least as good)", text);
        Assert.Contains("- Hark's Nchan door / Nchan, server CPU per delivery: **2.00×** (Nchan better)", text);
    }

    [Fact]
    public void Fanout_OneWithoutServerCpu_SaysNotAvailable()
    {
        var text = Write(
            Result("sse", "hark") with { ServerCpu = new ServerCpu(2, 5, 0.4, 20) },
            Result("sse", "nchan"));

        Assert.Contains("| 20.0 | 40% |", text);
        Assert.Contains("| n/a | n/a |", text);
        Assert.Contains("- Hark / Nchan, server CPU per delivery: n/a (no server CPU figure for Nchan)", text);
    }

    [Fact]
    public void WebSocketFanout_HasItsOwnSection_WithColumnsAndRatios()
    {
        var text = Write(
            Result("sse", "hark") with { DeliveriesPerSecond = 999 },
            Result("ws", "hark") with { Deliveries = 10_000, DeliveriesPerSecond = 20_000, ServerCpu = new ServerCpu(0.3, 1, 0.3, 30) },
            Result("ws", "nchan") with { Deliveries = 10_000, DeliveriesPerSecond = 40_000, ServerCpu = new ServerCpu(0.1, 1, 0.1, 10) });

        var section = text[text.IndexOf("## Fan-out over WebSocket", StringComparison.Ordinal)..];
        Assert.True(text.IndexOf("## Fan-out over SSE", StringComparison.Ordinal) < text.IndexOf("## Fan-out over WebSocket", StringComparison.Ordinal));
        Assert.Contains("| hark | 1,000 | 10 | 10,000 | 0 | 0 | 0 | 20,000 |", section);
        Assert.Contains("| 30.0 | 30% |", section);
        Assert.Contains("- Hark / Nchan, deliveries per second: **0.50×** (Nchan better)", section);
        Assert.Contains("- Hark / Nchan, server CPU per delivery: **3.00×** (Nchan better)", section);
        Assert.DoesNotContain("| 999 |", section);
    }

    [Fact]
    public void LongPollFanout_TwoSizes_EachHasItsSection_AndItsOwnRatios()
    {
        var text = Write(
            Result("fanout", "hark") with { Subscribers = 10_000, DeliveriesPerSecond = 30_000 },
            Result("fanout", "nchan") with { Subscribers = 10_000, DeliveriesPerSecond = 40_000 },
            Result("fanout", "hark") with { DeliveriesPerSecond = 20_000 },
            Result("fanout", "nchan") with { DeliveriesPerSecond = 10_000 });

        var small = text.IndexOf("## Fan-out over long-poll, 1,000 subscribers", StringComparison.Ordinal);
        var large = text.IndexOf("## Fan-out over long-poll\n", StringComparison.Ordinal);
        Assert.True(large >= 0 && small > large);
        Assert.Contains("- Hark / Nchan, deliveries per second: **0.75×** (Nchan better)", text[large..small]);
        Assert.Contains("- Hark / Nchan, deliveries per second: **2.00×** (Hark at least as good)", text[small..]);
        Assert.DoesNotContain("| 30,000 |", text[small..]);
    }

    [Fact]
    public void Hold_WebSocketBesideLongPoll_ComparesBytesPerConnection()
    {
        static ScenarioResult Hold(string scenario, string target, double bytes) => Result(scenario, target) with
        {
            Memory = [new MemoryPoint(0, 0, 10 << 20), new MemoryPoint(1000, 1000, (10 << 20) + (1000 * (long)bytes))],
            BytesPerConnection = bytes,
        };

        var text = Write(Hold("hold", "hark", 4000), Hold("hold-ws", "hark", 6000), Hold("hold", "nchan", 10_000), Hold("hold-ws", "nchan", 3000));

        Assert.Contains("| hark | websocket | one each | 1,000 | 0 |", text);
        Assert.Contains("- Hark / Nchan, bytes per held WebSocket, channel each: **2.00×** (Nchan better)", text);
        Assert.Contains("- hark, a held WebSocket against a held long-poll: 6,000 against 4,000 bytes (**1.50×**)", text);
        Assert.Contains("- nchan, a held WebSocket against a held long-poll: 3,000 against 10,000 bytes (**0.30×**)", text);
    }

    [Fact]
    public void Throughput_ServerCpu_ComparedAtTheHighestRateBothPassed()
    {
        var hark = Result("throughput", "hark") with
        {
            Steps = [Step(500, true, new(0.5, 1, 0.5, 50, 100)), Step(1000, true, new(0.8, 1, 0.8, 40, 80, 0.95)), Step(2000, false, new(1, 1, 1, 35, 70, 0.5))],
            BestRate = 1000,
            ServerCpu = new(0.8, 1, 0.8, 40, 80, 0.95),
        };
        var nchan = Result("throughput", "nchan") with
        {
            Steps = [Step(500, true, new(0.2, 1, 0.2, 20, 40)), Step(1000, true, new(0.4, 1, 0.4, 20, 40)), Step(2000, true, new(0.6, 1, 0.6, 15, 30))],
            BestRate = 2000,
            ServerCpu = new(0.6, 1, 0.6, 15, 30),
        };

        var text = Write(hark, nchan);

        // Each row says which side ran out of CPU: here the generator at the rate that passed, the server at the next.
        Assert.Contains("| 40.0 | 80.0 | 80% / 95% (generator) | pass |", text);
        Assert.Contains("| 35.0 | 70.0 | 100% / 50% (server) | fail", text);
        Assert.Contains("- hark: highest lossless rate **1,000/s**, server CPU there 40.0 µs/delivery, 80.0 µs/publish, CPU busy (server / generator) 80% / 95% (generator)", text);
        Assert.Contains("- nchan: highest lossless rate **2,000/s**, server CPU there 15.0 µs/delivery, 30.0 µs/publish, CPU busy (server / generator) 60%", text);
        Assert.Contains("- Hark / Nchan, server CPU per delivery: **2.00×** (Nchan better; at 1,000/s, the highest rate both passed)", text);
        Assert.Contains("- Hark / Nchan, server CPU per publish: **2.00×** (Nchan better; at 1,000/s, the highest rate both passed)", text);
    }

    [Fact]
    public void Result_WithoutServerCpu_ReadsBackFromJsonWithoutIt()
    {
        // Results written before the CPU figure existed still make a report.
        const string Old = """{"scenario":"fanout","target":"hark","transport":"longpoll","started":"2026-01-01T00:00:00Z","deliveries":5,"runs":[{"deliveriesPerSecond":1,"lost":0,"duplicates":0,"errors":0}]}""";

        var result = System.Text.Json.JsonSerializer.Deserialize(Old, BenchJsonContext.Default.ScenarioResult)!;

        Assert.Null(result.ServerCpu);
        Assert.Null(result.Runs![0].ServerCpu);
    }
}
