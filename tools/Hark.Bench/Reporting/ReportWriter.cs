using System.Globalization;
using System.Text;
using System.Text.Json;
using Hark.Bench.Scenarios;

namespace Hark.Bench.Reporting;

/// <summary>Turns a folder of run results into docs/benchmarks.md with tables, Hark-to-Nchan ratios and SVG plots.</summary>
internal sealed class ReportWriter(string resultsDirectory, string outputPath, string plotsDirectory, string? command, string? notesPath = null)
{
    public void Write()
    {
        var results = Directory.GetFiles(resultsDirectory, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize(File.ReadAllText(f), BenchJsonContext.Default.ScenarioResult)!)
            .ToList();
        Directory.CreateDirectory(plotsDirectory);
        var plots = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(outputPath))!, plotsDirectory).Replace('\\', '/');
        var md = new StringBuilder();
        md.AppendLine("# Benchmarks: Hark and Nchan side by side");
        md.AppendLine();
        md.AppendLine("Every figure below comes from one run of `tools/bench.sh`, which starts both servers on this machine, pins the server");
        md.AppendLine("to one core and the load generator (`tools/Hark.Bench`) to the other, and runs the same scenarios with the same clients");
        md.AppendLine("against each. Regenerate it with the command below; the raw JSON results sit beside the plots.");
        md.AppendLine();
        if (command is not null)
        {
            md.AppendLine("```sh").AppendLine(command).AppendLine("```").AppendLine();
        }
        var environment = Path.Combine(resultsDirectory, "environment.md");
        if (File.Exists(environment))
        {
            md.AppendLine(File.ReadAllText(environment).TrimEnd()).AppendLine();
        }
        Hold(md, results.Where(r => r.Scenario.StartsWith("hold", StringComparison.Ordinal)).ToList(), plots);
        // The largest long-poll fan-out keeps the section's plain heading; smaller ones (1,000 subscribers) follow it.
        var longPolls = results.Where(r => r.Scenario == "fanout").GroupBy(r => r.Subscribers).OrderByDescending(g => g.Key).ToList();
        for (var i = 0; i < longPolls.Count; i++)
        {
            var size = longPolls[i].Key;
            Fanout(md, i == 0 ? "Fan-out over long-poll" : $"Fan-out over long-poll, {size:N0} subscribers",
                i == 0 ? "fanout" : $"fanout-{size}", [.. longPolls[i]], plots);
        }
        Fanout(md, "Fan-out over SSE", "sse", results.Where(r => r.Scenario == "sse").ToList(), plots);
        Fanout(md, "Fan-out over WebSocket", "ws", results.Where(r => r.Scenario == "ws").ToList(), plots);
        Throughput(md, results.Where(r => r.Scenario == "throughput").ToList(), plots);
        if (notesPath is not null && File.Exists(notesPath))
        {
            // Hand-written analysis (before/after figures, what limits what) that a run cannot produce itself.
            md.AppendLine(File.ReadAllText(notesPath).TrimEnd());
        }
        File.WriteAllText(outputPath, md.ToString());
    }

    private void Hold(StringBuilder md, List<ScenarioResult> runs, string plots)
    {
        if (runs.Count == 0)
        {
            return;
        }
        md.AppendLine("## Hold: memory per held subscriber");
        md.AppendLine();
        md.AppendLine("Idle subscribers (long-polls, or WebSockets with one subscription each) are added in steps; at each step the server's");
        md.AppendLine("resident memory (VmRSS) is read once the server itself reports holding them all. Bytes per connection is the slope of");
        md.AppendLine("memory against connections.");
        md.AppendLine();
        md.AppendLine("| target | transport | channels | held | errors | resident at start | resident at end | bytes per connection |");
        md.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        var chart = new LineChart("Server resident memory vs held subscribers", "held subscribers", "resident memory (MiB)");
        foreach (var r in runs)
        {
            var mode = r.Scenario.EndsWith("one-channel", StringComparison.Ordinal) ? "one for all" : "one each";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Target} | {r.Transport} | {mode} | {r.Memory![^1].Held:N0} | {r.Errors} | {Mib(r.Memory[0].RssBytes)} | {Mib(r.Memory[^1].RssBytes)} | {r.BytesPerConnection:N0} |");
            chart.Add($"{r.Target} ({r.Transport}, {mode})", r.Memory.Select(p => ((double)p.Connections, p.RssBytes / 1048576.0)));
        }
        md.AppendLine();
        Ratio(md, runs.Where(r => r.Scenario == "hold"), "bytes per connection, channel each", r => r.BytesPerConnection ?? 0, lowerIsBetter: true);
        Ratio(md, runs.Where(r => r.Scenario == "hold-one-channel"), "bytes per connection, one channel", r => r.BytesPerConnection ?? 0, lowerIsBetter: true);
        Ratio(md, runs.Where(r => r.Scenario == "hold-ws"), "bytes per held WebSocket, channel each", r => r.BytesPerConnection ?? 0, lowerIsBetter: true);
        SocketVersusLongPoll(md, runs);
        Plot(md, chart, "hold-memory.svg", plots);
        var perMillion = runs.Where(r => r.Target == "hark" && r.Scenario == "hold").Select(r => r.BytesPerConnection ?? 0).FirstOrDefault();
        if (perMillion > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Read off the slope: 1,000,000 held long-polls would cost Hark about {perMillion * 1_000_000 / 1073741824.0:F1} GiB, spread over the ~50 processes this machine's descriptor limit requires.");
            md.AppendLine();
        }
    }

    /// <summary>What a held WebSocket costs each server against a held long-poll, both with a channel each.</summary>
    private static void SocketVersusLongPoll(StringBuilder md, List<ScenarioResult> runs)
    {
        foreach (var target in runs.Select(r => r.Target).Distinct())
        {
            var longPoll = runs.FirstOrDefault(r => r.Target == target && r.Scenario == "hold")?.BytesPerConnection;
            var socket = runs.FirstOrDefault(r => r.Target == target && r.Scenario == "hold-ws")?.BytesPerConnection;
            if (longPoll is > 0 && socket is > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {target}, a held WebSocket against a held long-poll: {socket:N0} against {longPoll:N0} bytes (**{socket / longPoll:F2}×**)");
                md.AppendLine();
            }
        }
    }

    private void Fanout(StringBuilder md, string heading, string name, List<ScenarioResult> runs, string plots)
    {
        if (runs.Count == 0)
        {
            return;
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"## {heading}");
        md.AppendLine();
        md.AppendLine("S subscribers on one channel; K messages published one after another, each as soon as every subscriber has the one");
        md.AppendLine("before. Latency is from just before the publish request to the moment a subscriber has parsed the message, over every");
        md.AppendLine("(subscriber, message) pair; deliveries per second are over the window from the first publish to the last delivery.");
        CpuExplained(md, "that window", "the deliveries");
        Repeats(md, runs, "deliveries per second");
        md.AppendLine();
        md.AppendLine("| target | subscribers | messages | delivered | lost | duplicated | errors | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | server CPU µs/delivery | CPU busy: server / generator (saturated) | every run: deliveries/s (p99 ms; server CPU µs/delivery) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var chart = new LineChart($"{heading}: delivery latency by percentile", "percentile", "latency (ms)");
        foreach (var r in runs)
        {
            var l = r.Latency;
            var every = string.Join(", ", (r.Runs ?? []).Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.DeliveriesPerSecond:N0} ({x.P99Ms:F0}; {Micros(x.ServerCpu?.MicrosecondsPerDelivery)})")));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Target} | {r.Subscribers:N0} | {r.Messages} | {r.Deliveries:N0} | {r.Lost} | {r.Duplicates} | {r.Errors} | {r.DeliveriesPerSecond:N0} | {l?.P50} | {l?.P90} | {l?.P99} | {l?.Max} | {Micros(r.ServerCpu?.MicrosecondsPerDelivery)} | {Busy(r.ServerCpu)} | {every} |");
            if (l is not null)
            {
                chart.Add(r.Target, l.Percentiles.Select((v, i) => ((double)i, v)));
            }
        }
        md.AppendLine();
        Ratio(md, runs, "deliveries per second", r => r.DeliveriesPerSecond, lowerIsBetter: false);
        Ratio(md, runs, "p99 latency", r => r.Latency?.P99 ?? 0, lowerIsBetter: true);
        if (Pair(runs) is (not null and var hark, not null and var nchan))
        {
            CpuRatio(md, "server CPU per delivery", hark.ServerCpu?.MicrosecondsPerDelivery, nchan.ServerCpu?.MicrosecondsPerDelivery);
        }
        if (runs.FirstOrDefault(r => r.Target == "hark-nchan") is { } door)
        {
            md.AppendLine("`hark-nchan` is this scenario as run against Nchan, the same requests, sent to Hark's Nchan-compatible door (`/nchan`).");
            md.AppendLine();
            if (Pair(runs).Nchan is { } reference && reference.DeliveriesPerSecond > 0 && door.DeliveriesPerSecond > 0)
            {
                RatioLine(md, "deliveries per second", door.DeliveriesPerSecond, reference.DeliveriesPerSecond, lowerIsBetter: false, who: "Hark's Nchan door");
                if (door.ServerCpu?.MicrosecondsPerDelivery is > 0 and var d && reference.ServerCpu?.MicrosecondsPerDelivery is > 0 and var n)
                {
                    RatioLine(md, "server CPU per delivery", d, n, lowerIsBetter: true, who: "Hark's Nchan door");
                }
            }
        }
        Plot(md, chart, $"{name}-latency.svg", plots);
    }

    private void Throughput(StringBuilder md, List<ScenarioResult> runs, string plots)
    {
        if (runs.Count == 0)
        {
            return;
        }
        md.AppendLine("## Throughput: highest lossless publish rate");
        md.AppendLine();
        md.AppendLine("C channels with a few long-poll subscribers each; messages are published at rising rates, each for a fixed time. A rate");
        md.AppendLine("passes when every subscriber got every message of its channel in order, p99 latency stayed under 1 s, and the publisher");
        md.AppendLine("kept at least 90% of the rate.");
        CpuExplained(md, "each step, from its first publish until every delivery was in,", "the step's deliveries (and its publishes)");
        Repeats(md, runs, "highest lossless rate");
        md.AppendLine();
        md.AppendLine("| target | channels | subscribers | rate/s | achieved/s | delivered | lost | p99 ms | server CPU µs/delivery | server CPU µs/publish | CPU busy: server / generator (saturated) | result |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        var chart = new LineChart("Throughput: p99 delivery latency by publish rate", "publish rate (messages/s)", "p99 latency (ms)");
        foreach (var r in runs)
        {
            foreach (var s in r.Steps ?? [])
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Target} | {r.Channels} | {r.Subscribers} | {s.TargetRate:N0} | {s.AchievedRate:N0} | {s.Delivered:N0}/{s.Expected:N0} | {s.Lost} | {s.P99Ms} | {Micros(s.ServerCpu?.MicrosecondsPerDelivery)} | {Micros(s.ServerCpu?.MicrosecondsPerPublish)} | {Busy(s.ServerCpu)} | {(s.Passed ? "pass" : "fail: " + s.Why)} |");
            }
            chart.Add(r.Target, (r.Steps ?? []).Select(s => ((double)s.TargetRate, s.P99Ms)));
        }
        md.AppendLine();
        foreach (var r in runs)
        {
            var every = r.Runs is { Count: > 1 } all
                ? $" (every run: {string.Join(", ", all.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.BestRate:N0}/s ({PerDelivery(x.ServerCpu)})")))})"
                : "";
            var cpu = r.ServerCpu is { } c
                ? string.Create(CultureInfo.InvariantCulture, $"server CPU there {c.MicrosecondsPerDelivery:F1} µs/delivery, {Micros(c.MicrosecondsPerPublish)} µs/publish, CPU busy (server / generator) {Busy(c)}")
                : "server CPU n/a";
            md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Target}: highest lossless rate **{r.BestRate:N0}/s**, {cpu}{every}");
        }
        md.AppendLine();
        Ratio(md, runs, "highest lossless rate", r => r.BestRate ?? 0, lowerIsBetter: false);
        ThroughputCpuRatios(md, runs);
        Plot(md, chart, "throughput-p99.svg", plots);
    }

    /// <summary>Says how repeated runs were folded, when they were.</summary>
    private static void Repeats(StringBuilder md, List<ScenarioResult> runs, string rankedBy)
    {
        if (runs.Max(r => r.Runs?.Count ?? 1) is var n and > 1)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"Each target ran the scenario {n} times on the same server; the row is the median run by {rankedBy},");
            md.AppendLine("except lost, duplicated and errors, which add up every run.");
        }
    }

    /// <summary>
    /// Server CPU per delivery and per publish compared at the same load: the highest rate both targets passed, since
    /// each target's own best rate is a different load.
    /// </summary>
    private static void ThroughputCpuRatios(StringBuilder md, List<ScenarioResult> runs)
    {
        if (Pair(runs) is not (not null and var hark, not null and var nchan))
        {
            return;
        }
        static IEnumerable<RateStep> Passed(ScenarioResult r) => (r.Steps ?? []).Where(s => s.Passed);
        var common = Passed(hark).Select(s => s.TargetRate).Intersect(Passed(nchan).Select(s => s.TargetRate)).DefaultIfEmpty(0).Max();
        if (common == 0)
        {
            md.AppendLine("- Hark / Nchan, server CPU per delivery: n/a (no rate both passed)");
            md.AppendLine();
            return;
        }
        var h = Passed(hark).First(s => s.TargetRate == common).ServerCpu;
        var n = Passed(nchan).First(s => s.TargetRate == common).ServerCpu;
        var where = string.Create(CultureInfo.InvariantCulture, $"; at {common:N0}/s, the highest rate both passed");
        CpuRatio(md, "server CPU per delivery", h?.MicrosecondsPerDelivery, n?.MicrosecondsPerDelivery, where);
        CpuRatio(md, "server CPU per publish", h?.MicrosecondsPerPublish, n?.MicrosecondsPerPublish, where);
    }

    private static void CpuExplained(StringBuilder md, string window, string over)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"Server CPU is the server process's CPU time, user and system, read from `/proc/<pid>/stat` (for Nchan, its one worker) over {window}");
        md.AppendLine(CultureInfo.InvariantCulture, $"and divided by {over}; busy is that time over the same wall time, 100% being the server's whole core.");
    }

    private static (ScenarioResult? Hark, ScenarioResult? Nchan) Pair(IEnumerable<ScenarioResult> runs)
    {
        var list = runs.ToList();
        return (list.FirstOrDefault(r => r.Target == "hark"), list.FirstOrDefault(r => r.Target == "nchan"));
    }

    private static void Ratio(StringBuilder md, IEnumerable<ScenarioResult> runs, string what, Func<ScenarioResult, double> value, bool lowerIsBetter)
    {
        var (hark, nchan) = Pair(runs);
        if (hark is null || nchan is null || value(nchan) == 0 || value(hark) == 0)
        {
            return;
        }
        RatioLine(md, what, value(hark), value(nchan), lowerIsBetter);
    }

    /// <summary>A ratio of server CPU figures, or "n/a" when either target has none: a missing figure is never read as a number.</summary>
    private static void CpuRatio(StringBuilder md, string what, double? hark, double? nchan, string where = "")
    {
        if (hark is > 0 && nchan is > 0)
        {
            RatioLine(md, what, hark.Value, nchan.Value, lowerIsBetter: true, where);
            return;
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"- Hark / Nchan, {what}: n/a (no server CPU figure for {(hark is > 0 ? "Nchan" : nchan is > 0 ? "Hark" : "either")})");
        md.AppendLine();
    }

    private static void RatioLine(StringBuilder md, string what, double hark, double nchan, bool lowerIsBetter, string where = "", string who = "Hark")
    {
        var ratio = hark / nchan;
        var better = lowerIsBetter ? ratio <= 1 : ratio >= 1;
        md.AppendLine(CultureInfo.InvariantCulture, $"- {who} / Nchan, {what}: **{ratio:F2}×** ({(better ? who + " at least as good" : "Nchan better")}{where})");
        md.AppendLine();
    }

    private static string Micros(double? micros) => micros is { } m ? m.ToString("F1", CultureInfo.InvariantCulture) : "n/a";

    private static string PerDelivery(ServerCpu? cpu) =>
        cpu is null ? "server CPU n/a" : string.Create(CultureInfo.InvariantCulture, $"{cpu.MicrosecondsPerDelivery:F1} µs/delivery");

    private static string Busy(ServerCpu? cpu) => cpu is null ? "n/a"
        : cpu.GeneratorUtilisation is not { } generator ? (cpu.Utilisation * 100).ToString("F0", CultureInfo.InvariantCulture) + "%"
        : string.Create(CultureInfo.InvariantCulture, $"{cpu.Utilisation * 100:F0}% / {generator * 100:F0}% ({cpu.Bottleneck})");

    private void Plot(StringBuilder md, LineChart chart, string file, string plots)
    {
        if (chart.IsEmpty)
        {
            return;
        }
        File.WriteAllText(Path.Combine(plotsDirectory, file), chart.ToSvg());
        md.AppendLine(CultureInfo.InvariantCulture, $"![{file}]({plots}/{file})");
        md.AppendLine();
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
}
