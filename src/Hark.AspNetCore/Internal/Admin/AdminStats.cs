using System.Text.Json;
using Hark.Hub;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Admin;

/// <summary>
/// Publishes a <see cref="StatsSnapshot"/> to <see cref="Channel"/> every <c>Hark:Admin:Interval</c> while a dashboard
/// watches that channel on this node (and five intervals, at least five seconds, after, so a dashboard between two holds
/// does not stop it).
/// While nobody does, it counts no channel and publishes nothing: it only looks whether someone came. The instruments
/// are read from the host's start (<see cref="StartingAsync"/>), as the exporter reads them: an up-down counter (held
/// connections) is a sum of every change since the start, so a listener that came late would count from its own start.
/// </summary>
internal sealed partial class AdminStats(
    FanoutHub hub, MeterReadings readings, HealthCheckService health, IOptions<HarkOptions> options, TimeProvider time, ILogger<AdminStats> log)
    : BackgroundService, IHostedLifecycleService
{
    /// <summary>The prefix of the server's own channels: only the server publishes, only admins read.</summary>
    public const string ChannelPrefix = "~admin.";

    /// <summary>The channel of the snapshots.</summary>
    public const string Channel = ChannelPrefix + "stats";

    /// <summary>How many channels the sketch of busy channels keeps counters for.</summary>
    private const int SketchSize = 256;

    private static readonly string Node = Environment.MachineName + ":" + Environment.ProcessId;

    private Previous? _previous;

    public static bool IsAdminChannel(string channel) => channel.StartsWith(ChannelPrefix, StringComparison.Ordinal);

    /// <summary>Before any hosted service starts (Kestrel among them): no request is missed.</summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Admin.Enabled)
        {
            readings.Start();
        }
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        readings.Stop();
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Admin;
        if (!settings.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(settings.Interval, time);
        var lastWatched = long.MinValue;
        // A dashboard between two holds (a long-poll's next request, a stream writing) is still open: five intervals, at
        // least five seconds, before the counting stops.
        var grace = settings.Interval * 5 > TimeSpan.FromSeconds(5) ? settings.Interval * 5 : TimeSpan.FromSeconds(5);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = time.GetTimestamp();
                if (hub.IsWatched(Channel))
                {
                    lastWatched = now;
                }
                else if (lastWatched == long.MinValue || time.GetElapsedTime(lastWatched, now) > grace)
                {
                    Pause();
                    continue;
                }
                try
                {
                    await TickAsync(settings, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A store that is down refuses the snapshot too; the dashboard shows its last one as old.
                    SnapshotFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Pause();
        }
    }

    private void Pause()
    {
        hub.Activity = null;
        _previous = null;
    }

    private async Task TickAsync(AdminOptions settings, CancellationToken cancellationToken)
    {
        hub.Activity ??= new ChannelActivity(SketchSize);
        readings.Observe();
        var now = time.GetTimestamp();
        var current = new Previous(now, Sum(readings.Totals("hark.messages.published")), readings.Totals("hark.messages.delivered"),
            readings.Totals("hark.gaps"), Sum(readings.Totals("hark.requests.rejected")), Sum(readings.Totals("hark.connections.dropped")),
            readings.Buckets("hark.poll.duration", outcome => outcome != "immediate"), readings.Buckets("hark.delivery.latency"));
        var previous = _previous;
        _previous = current;
        var busiest = hub.Activity?.Take(settings.TopChannels + 1) ?? [];
        if (previous is null)
        {
            // The first reading is where the counting starts: rates need two.
            return;
        }
        var seconds = Math.Max(0.001, time.GetElapsedTime(previous.Timestamp, now).TotalSeconds);
        var report = await health.CheckHealthAsync(check => check.Tags.Contains("ready"), cancellationToken);
        var snapshot = new StatsSnapshot(
            Node,
            MessageEncoder.FormatTime(time.GetUtcNow()),
            Math.Round(seconds, 3),
            Sum(readings.Totals("hark.channels")),
            Sum(readings.Totals("hark.history.size")),
            Sum(readings.Totals("kestrel.active_connections")),
            readings.Totals("hark.connections.held"),
            Rate(current.Published - previous.Published, seconds),
            Rate(Sum(current.Delivered) - Sum(previous.Delivered), seconds),
            current.Delivered.ToDictionary(d => d.Key, d => Rate(d.Value - previous.Delivered.GetValueOrDefault(d.Key), seconds)),
            current.Gaps.ToDictionary(g => g.Key, g => g.Value - previous.Gaps.GetValueOrDefault(g.Key)),
            Rate(current.Rejected - previous.Rejected, seconds),
            Rate(current.Dropped - previous.Dropped, seconds),
            Interval(current.Hold, previous.Hold),
            Interval(current.Latency, previous.Latency),
            [.. busiest.Where(b => !IsAdminChannel(b.Channel)).Take(settings.TopChannels)
                .Select(b => new BusyChannel(b.Channel, Rate(b.Messages, seconds), hub.Waiting(b.Channel)))],
            new EngineState(options.Value.Engine, report.Status.ToString(),
                [.. report.Entries.Select(e => new CheckState(e.Key, e.Value.Status.ToString(), e.Value.Description))]));
        var payload = MessagePayload.FromElement(JsonSerializer.SerializeToElement(snapshot, HarkJsonContext.Default.StatsSnapshot));
        await hub.Engine.PublishAsync(new PublishRequest(Channel, "stats", payload), cancellationToken);
    }

    private static Percentiles Interval((double[] Bounds, long[] Counts)? now, (double[] Bounds, long[] Counts)? before) =>
        now is { } n ? HistogramMath.Of(n.Bounds, HistogramMath.Minus(n.Counts, before?.Counts)) : new Percentiles(0, null, null, null);

    private static double Rate(long count, double seconds) => Math.Round(Math.Max(0, count) / seconds, 2);

    private static long Sum(IReadOnlyDictionary<string, long> totals)
    {
        long sum = 0;
        foreach (var value in totals.Values)
        {
            sum += value;
        }
        return sum;
    }

    private sealed record Previous(
        long Timestamp, long Published, IReadOnlyDictionary<string, long> Delivered, IReadOnlyDictionary<string, long> Gaps, long Rejected, long Dropped,
        (double[] Bounds, long[] Counts)? Hold, (double[] Bounds, long[] Counts)? Latency);

    [LoggerMessage(1, LogLevel.Warning, "The dashboard's snapshot was not published.", EventName = "SnapshotFailed")]
    private static partial void SnapshotFailed(ILogger logger, Exception exception);
}
