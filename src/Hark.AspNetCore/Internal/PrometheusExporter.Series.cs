using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Hark.AspNetCore.Internal;

internal sealed partial class PrometheusExporter
{
    /// <summary>One instrument's values, one point per distinct set of tags.</summary>
    private sealed class Series(Instrument instrument, double[]? buckets)
    {
        private readonly ConcurrentDictionary<string, Point> _points = new(StringComparer.Ordinal);
        private readonly bool _isSum = instrument is Counter<long> or Counter<int> or Counter<double> or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double>;

        public Instrument Instrument { get; } = instrument;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // The hot path: instruments here carry at most one tag whose value is a string literal, so the
            // value itself is the key and nothing is allocated; labels are formatted once, when a point is new.
            var key = tags.Length switch
            {
                0 => "",
                1 when tags[0].Value is string s => s,
                _ => LabelsOf(tags),
            };
            if (!_points.TryGetValue(key, out var point))
            {
                point = _points.GetOrAdd(key, new Point(buckets, LabelsOf(tags)));
            }
            point.Add(value, _isSum);
        }

        public void WriteTo(StringBuilder text)
        {
            if (_points.IsEmpty)
            {
                return;
            }
            var name = NameOf(Instrument);
            var type = buckets is not null ? "histogram" : IsCounter(Instrument) ? "counter" : "gauge";
            if (type == "counter")
            {
                name += "_total";
            }
            text.Append("# HELP ").Append(name).Append(' ').Append(Escape(Instrument.Description ?? Instrument.Name)).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var point in _points.Values.OrderBy(p => p.Labels, StringComparer.Ordinal))
            {
                point.WriteTo(text, name, buckets);
            }
        }

        private static bool IsCounter(Instrument instrument) =>
            instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;

        private static string NameOf(Instrument instrument)
        {
            var name = new StringBuilder(instrument.Name.Length + 8);
            foreach (var c in instrument.Name)
            {
                name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
            }
            var suffix = instrument.Unit switch
            {
                "s" => "_seconds",
                "By" => "_bytes",
                "ms" => "_milliseconds",
                _ => "",
            };
            if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal))
            {
                name.Append(suffix);
            }
            return name.ToString();
        }

        private static string LabelsOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty)
            {
                return "";
            }
            var labels = new StringBuilder();
            foreach (var (key, value) in tags)
            {
                if (labels.Length > 0)
                {
                    labels.Append(',');
                }
                foreach (var c in key)
                {
                    labels.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
                }
                labels.Append("=\"").Append(Escape(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "")).Append('"');
            }
            return labels.ToString();
        }

        private static string Escape(string text) =>
            text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>A sum, a last value, or a histogram's bucket counts, updated under its own lock.</summary>
    private sealed class Point(double[]? buckets, string labels)
    {
        public string Labels { get; } = labels;

        private readonly Lock _gate = new();
        private readonly long[]? _counts = buckets is null ? null : new long[buckets.Length + 1];
        private double _value;
        private long _count;

        public void Add(double value, bool isSum)
        {
            lock (_gate)
            {
                if (_counts is not null)
                {
                    var i = Array.BinarySearch(buckets!, value);
                    _counts[i >= 0 ? i : ~i]++;
                    _value += value;
                    _count++;
                }
                else if (isSum)
                {
                    _value += value;
                }
                else
                {
                    _value = value;
                }
            }
        }

        public void WriteTo(StringBuilder text, string name, double[]? bounds)
        {
            var labels = Labels;
            lock (_gate)
            {
                if (_counts is null)
                {
                    text.Append(name).Append(Braces(labels)).Append(' ').Append(FormatValue(_value)).Append('\n');
                    return;
                }
                var cumulative = 0L;
                for (var i = 0; i <= bounds!.Length; i++)
                {
                    cumulative += _counts[i];
                    var le = i < bounds.Length ? FormatValue(bounds[i]) : "+Inf";
                    var withLe = labels.Length == 0 ? $"le=\"{le}\"" : $"{labels},le=\"{le}\"";
                    text.Append(name).Append("_bucket{").Append(withLe).Append("} ").Append(cumulative).Append('\n');
                }
                text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(FormatValue(_value)).Append('\n');
                text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(_count).Append('\n');
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";
    }
}
