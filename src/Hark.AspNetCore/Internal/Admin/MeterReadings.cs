using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Hark.AspNetCore.Internal.Admin;

/// <summary>
/// The dashboard's view of the instruments <c>/metrics</c> exports: a <see cref="MeterListener"/> over this host's
/// <c>Hark</c> meter and Kestrel's, keeping running totals (counters, up-down counters, gauges) and bucket counts
/// (histograms, on the instruments' own bucket boundaries) per the one tag the dashboard splits them by. It listens only
/// between <see cref="Start"/> and <see cref="Stop"/> (the host's life, when the dashboard is enabled). A measurement costs
/// a lookup of its tag's cell and an interlocked add: no allocation.
/// </summary>
internal sealed class MeterReadings(IMeterFactory factory) : IDisposable
{
    /// <summary>The instruments read, each with the tag it is split by (null: not split).</summary>
    private static readonly Dictionary<string, string?> Wanted = new(StringComparer.Ordinal)
    {
        ["hark.messages.published"] = null,
        ["hark.messages.delivered"] = "hark.transport",
        ["hark.connections.held"] = "hark.transport",
        ["hark.poll.duration"] = "hark.outcome",
        ["hark.gaps"] = "hark.gap.reason",
        ["hark.requests.rejected"] = null,
        ["hark.connections.dropped"] = null,
        ["hark.delivery.latency"] = null,
        ["hark.channels"] = null,
        ["hark.history.size"] = null,
        ["kestrel.active_connections"] = null,
    };

    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private MeterListener? _listener;

    public void Start()
    {
        if (_listener is not null)
        {
            return;
        }
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                // Only this host's meters: another host in the process has its own factory (see HarkTelemetry).
                if (ReferenceEquals(instrument.Meter.Scope, factory) && Wanted.TryGetValue(instrument.Name, out var tag))
                {
                    listener.EnableMeasurementEvents(instrument, _series.GetOrAdd(instrument.Name, _ => new Series(tag, Bounds(instrument))));
                }
            },
        };
        listener.SetMeasurementEventCallback<long>(static (instrument, value, tags, state) => ((Series)state!).Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>(static (instrument, value, tags, state) => ((Series)state!).Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>(static (instrument, value, tags, state) => ((Series)state!).Record(instrument, value, tags));
        listener.Start();
        _listener = listener;
    }

    public void Stop()
    {
        _listener?.Dispose();
        _listener = null;
        _series.Clear();
    }

    /// <summary>Asks the observable instruments (gauges) for their values now.</summary>
    public void Observe() => _listener?.RecordObservableInstruments();

    /// <summary>An instrument's running totals by tag value (empty until it has measured).</summary>
    public IReadOnlyDictionary<string, long> Totals(string instrument) =>
        _series.TryGetValue(instrument, out var series) ? series.Totals() : new Dictionary<string, long>();

    /// <summary>A histogram's bucket counts (the last one unbounded) and their upper bounds, counting only the tag values <paramref name="include"/> accepts.</summary>
    public (double[] Bounds, long[] Counts)? Buckets(string instrument, Func<string, bool>? include = null) =>
        _series.TryGetValue(instrument, out var series) && series.Bounds is { } bounds ? (bounds, series.Counts(include)) : null;

    public void Dispose() => Stop();

    private static double[]? Bounds(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries is { } b ? [.. b] : [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
        _ => null,
    };

    /// <summary>One instrument's readings, split by one tag; a tag value's total or buckets live in one array each.</summary>
    private sealed class Series(string? tag, double[]? bounds)
    {
        private readonly ConcurrentDictionary<string, long[]> _byTag = new(StringComparer.Ordinal);

        public double[]? Bounds => bounds;

        public void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = Cell(tags, 1);
            if (instrument.IsObservable)
            {
                // A gauge says its value now; counters and up-down counters say how much it moved.
                Volatile.Write(ref cell[0], value);
            }
            else
            {
                Interlocked.Add(ref cell[0], value);
            }
        }

        public void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (bounds is null)
            {
                Add(instrument, (long)value, tags);
                return;
            }
            var cell = Cell(tags, bounds.Length + 1);
            // A value on a boundary belongs to that bucket (le), as in the exporter.
            var i = Array.BinarySearch(bounds, value);
            Interlocked.Increment(ref cell[i >= 0 ? i : ~i]);
        }

        public Dictionary<string, long> Totals()
        {
            var totals = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (key, cell) in _byTag)
            {
                totals[key] = Volatile.Read(ref cell[0]);
            }
            return totals;
        }

        public long[] Counts(Func<string, bool>? include)
        {
            var counts = new long[bounds!.Length + 1];
            foreach (var (key, cell) in _byTag)
            {
                if (include is null || include(key))
                {
                    for (var i = 0; i < counts.Length; i++)
                    {
                        counts[i] += Volatile.Read(ref cell[i]);
                    }
                }
            }
            return counts;
        }

        private long[] Cell(ReadOnlySpan<KeyValuePair<string, object?>> tags, int size)
        {
            var key = "";
            if (tag is not null)
            {
                foreach (var t in tags)
                {
                    if (t.Key == tag)
                    {
                        key = t.Value?.ToString() ?? "";
                        break;
                    }
                }
            }
            return _byTag.TryGetValue(key, out var cell) ? cell : _byTag.GetOrAdd(key, _ => new long[size]);
        }
    }
}
