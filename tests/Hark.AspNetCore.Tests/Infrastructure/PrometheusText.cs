using System.Globalization;
using System.Text.RegularExpressions;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be a comment, a
/// <c># HELP</c> or <c># TYPE</c> line, or a sample with well-formed labels and value; a family's samples must follow
/// its TYPE and stay together; a histogram's buckets must rise and end in <c>+Inf</c> equal to its <c>_count</c>.
/// Anything else throws, so a test that scrapes through it also checks what a scraper would accept.
/// </summary>
public sealed partial class PrometheusText
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly List<Sample> _samples = [];

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public IReadOnlyList<Sample> Samples => _samples;

    public string? TypeOf(string family) => _types.GetValueOrDefault(family);

    public static PrometheusText Parse(string text)
    {
        var parsed = new PrometheusText();
        var help = new HashSet<string>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition must end with a line feed.");
        }
        foreach (var line in text.Split('\n').SkipLast(1))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal) || line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ');
                var name = space < 0 ? rest : rest[..space];
                Check(MetricName().IsMatch(name), line, "metric name");
                if (line[2] == 'T')
                {
                    var type = rest[(space + 1)..];
                    Check(space > 0 && type is "counter" or "gauge" or "histogram" or "summary" or "untyped", line, "type");
                    Check(parsed._types.TryAdd(name, type), line, "a second TYPE for the family");
                }
                else
                {
                    Check(help.Add(name), line, "a second HELP for the family");
                }
                if (current != name && current is not null)
                {
                    closed.Add(current);
                }
                Check(!closed.Contains(name), line, "a family that was already closed");
                current = name;
                continue;
            }
            if (line.StartsWith('#') || line.Length == 0)
            {
                Check(line.Length > 0, line, "an empty line");
                continue;
            }
            var sample = ParseSample(line);
            var family = parsed.FamilyOf(sample.Name);
            Check(family == current || (current is null && !parsed._types.ContainsKey(family)), line, $"a sample outside its family ({family})");
            parsed._samples.Add(sample);
        }
        parsed.CheckHistograms();
        return parsed;
    }

    /// <summary>The value of one series, or null when it is not there.</summary>
    public double? Value(string name, params (string Key, string Value)[] labels) =>
        _samples.SingleOrDefault(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value))?.Value;

    /// <summary>The sum of every series of a name whose labels include <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Sum(s => s.Value);

    private string FamilyOf(string sampleName)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && _types.GetValueOrDefault(sampleName[..^suffix.Length]) is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }
        return sampleName;
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' '))
        {
            i++;
        }
        var name = line[..i];
        Check(MetricName().IsMatch(name), line, "metric name");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                Check(eq > i, line, "label");
                var key = line[i..eq];
                Check(LabelName().IsMatch(key), line, "label name");
                Check(eq + 1 < line.Length && line[eq + 1] == '"', line, "quoted label value");
                var value = new System.Text.StringBuilder();
                var j = eq + 2;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        Check(j < line.Length && line[j] is '\\' or '"' or 'n', line, "escape");
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                }
                Check(j < line.Length, line, "closed label value");
                Check(labels.TryAdd(key, value.ToString()), line, "a repeated label");
                i = j + 1;
                Check(i < line.Length && line[i] is ',' or '}', line, "label separator");
                if (line[i] == ',')
                {
                    i++;
                }
            }
            i++;
        }
        Check(i < line.Length && line[i] == ' ', line, "a space before the value");
        var fields = line[(i + 1)..].Split(' ');
        Check(fields.Length is 1 or 2, line, "value and optional timestamp");
        Check(TryParseValue(fields[0], out var number), line, "value");
        Check(fields.Length == 1 || long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _), line, "timestamp");
        return new Sample(name, labels, number);
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf": value = double.PositiveInfinity; return true;
            case "-Inf": value = double.NegativeInfinity; return true;
            case "NaN": value = double.NaN; return true;
            default: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    private void CheckHistograms()
    {
        foreach (var (family, _) in _types.Where(t => t.Value == "histogram"))
        {
            var series = _samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(',', s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
            foreach (var buckets in series)
            {
                var previous = double.NegativeInfinity;
                var count = -1.0;
                foreach (var bucket in buckets)
                {
                    var bound = bucket.Labels.TryGetValue("le", out var le) && TryParseValue(le, out var parsed) ? parsed : double.NaN;
                    Check(bound > previous, family, "rising le bounds");
                    previous = bound;
                    Check(bucket.Value >= count, family, "cumulative bucket counts");
                    count = bucket.Value;
                }
                Check(double.IsPositiveInfinity(previous), family, "a +Inf bucket");
                var labels = buckets.First().Labels.Where(l => l.Key != "le").ToDictionary();
                var total = _samples.Single(s => s.Name == family + "_count" && s.Labels.Count == labels.Count && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value));
                Check(total.Value == count, family, "+Inf bucket equal to _count");
            }
        }
    }

    private static void Check(bool condition, string line, string what)
    {
        if (!condition)
        {
            throw new FormatException($"Not Prometheus text ({what}): {line}");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
