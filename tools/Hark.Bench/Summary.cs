using System.Globalization;
using Hark.Bench.Scenarios;
using Spectre.Console;

namespace Hark.Bench;

/// <summary>Prints a run's headline figures as a table.</summary>
internal static class Summary
{
    public static void Print(ScenarioResult r)
    {
        var table = new Table().Title($"{r.Scenario} — {r.Target} ({r.Transport})").AddColumn("figure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, object? value)
        {
            if (value is not null)
            {
                table.AddRow(name, Markup.Escape(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
            }
        }
        Row("subscribers", r.Subscribers);
        Row("messages", r.Messages == 0 ? null : r.Messages);
        Row("deliveries", r.Deliveries);
        Row("lost", r.Lost);
        Row("duplicates", r.Duplicates);
        Row("errors", r.Errors);
        Row("deliveries/s", r.DeliveriesPerSecond == 0 ? null : r.DeliveriesPerSecond);
        if (r.Latency is { } l)
        {
            Row("latency p50/p90/p99/max ms", $"{l.P50} / {l.P90} / {l.P99} / {l.Max}");
        }
        if (r.Memory is { Count: > 0 } m)
        {
            Row("resident memory at end", $"{m[^1].RssBytes / 1048576.0:F1} MiB with {m[^1].Held} held");
            Row("bytes per held connection", r.BytesPerConnection);
        }
        foreach (var s in r.Steps ?? [])
        {
            var cpu = s.ServerCpu is { } c ? $", server CPU {c.MicrosecondsPerDelivery} µs/delivery, {c.MicrosecondsPerPublish} µs/publish, {c.Utilisation * 100:F0}% busy, generator {c.GeneratorUtilisation * 100:F0}%" : "";
            Row($"{s.TargetRate}/s", s.Passed ? $"pass (p99 {s.P99Ms} ms{cpu})" : $"fail: {s.Why}{cpu}");
        }
        Row("best lossless rate", r.BestRate);
        if (!r.Scenario.StartsWith("hold", StringComparison.Ordinal))
        {
            Row("server CPU µs/delivery", r.ServerCpu is { } serverCpu
                ? $"{serverCpu.MicrosecondsPerDelivery} ({serverCpu.Utilisation * 100:F0}% of a core: {serverCpu.Seconds} s in {serverCpu.WallSeconds} s; generator {serverCpu.GeneratorUtilisation * 100:F0}%; saturated: {serverCpu.Bottleneck})"
                : "n/a (no --pid, or /proc not readable)");
        }
        Row("note", r.Note);
        Row("duration s", r.DurationSeconds);
        AnsiConsole.Write(table);
    }
}
