using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Collects measurements of Hark's meter (and Kestrel's and the runtime's) with a
/// <see cref="MeterListener"/> and writes them in the Prometheus text format. Hand-written because no
/// exporter package is available to this project; it keeps sums, last values and fixed-bucket
/// histograms, which is all the text format needs.
/// </summary>
internal sealed partial class PrometheusExporter : IDisposable
{
    private static readonly string[] Meters = [HarkMetrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();

    public PrometheusExporter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Listeners see every meter in the process. Hark's and Kestrel's meters come from this
            // host's factory (other hosts in the process have their own); the runtime's is process-wide.
            var meter = instrument.Meter;
            var ours = meter.Scope is null ? meter.Name == "System.Runtime" : ReferenceEquals(meter.Scope, meterFactory);
            if (ours && Array.IndexOf(Meters, meter.Name) >= 0)
            {
                _series.TryAdd(instrument, new Series(instrument, BucketsOf(instrument)));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.MeasurementsCompleted = (instrument, _) => _series.TryRemove(instrument, out Series? _);
        _listener.Start();
    }

    public string Scrape()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var series in _series.Values.OrderBy(s => s.Instrument.Meter.Name, StringComparer.Ordinal).ThenBy(s => s.Instrument.Name, StringComparer.Ordinal))
        {
            series.WriteTo(text);
        }
        return text.ToString();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, tags);
        }
    }

    private static double[]? BucketsOf(Instrument instrument) => instrument switch
    {
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBuckets,
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBuckets,
        _ => null,
    };

    internal static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _listener.Dispose();
}
