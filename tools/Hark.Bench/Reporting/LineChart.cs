using System.Globalization;
using System.Net;
using System.Text;

namespace Hark.Bench.Reporting;

/// <summary>A small self-contained SVG line chart: axes with round ticks, one coloured line per series, a legend.</summary>
internal sealed class LineChart(string title, string xLabel, string yLabel)
{
    private static readonly string[] Colours = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
    private readonly List<(string Name, IReadOnlyList<(double X, double Y)> Points)> _series = [];

    public LineChart Add(string name, IEnumerable<(double X, double Y)> points)
    {
        var list = points.ToList();
        if (list.Count > 0)
        {
            _series.Add((name, list));
        }
        return this;
    }

    public bool IsEmpty => _series.Count == 0;

    public string ToSvg(int width = 720, int height = 400)
    {
        const int Left = 70, Right = 20, Top = 40, Bottom = 55;
        var all = _series.SelectMany(s => s.Points).ToList();
        var xMax = NiceCeiling(all.Count == 0 ? 1 : all.Max(p => p.X));
        var yMax = NiceCeiling(all.Count == 0 ? 1 : all.Max(p => p.Y));
        double Px(double x) => Left + (x / xMax * (width - Left - Right));
        double Py(double y) => height - Bottom - (y / yMax * (height - Top - Bottom));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Esc(title)}</text>\n");
        for (var i = 0; i <= 5; i++)
        {
            var (x, y) = (xMax * i / 5, yMax * i / 5);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{F(Py(y))}\" x2=\"{width - Right}\" y2=\"{F(Py(y))}\" stroke=\"#e5e7eb\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Py(y) + 4)}\" text-anchor=\"end\">{Tick(y)}</text>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(x))}\" y=\"{height - Bottom + 18}\" text-anchor=\"middle\">{Tick(x)}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{height - Bottom}\" x2=\"{width - Right}\" y2=\"{height - Bottom}\" stroke=\"#111\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{height - Bottom}\" stroke=\"#111\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + width - Right) / 2}\" y=\"{height - 12}\" text-anchor=\"middle\">{Esc(xLabel)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{(Top + height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + height - Bottom) / 2})\">{Esc(yLabel)}</text>\n");
        for (var s = 0; s < _series.Count; s++)
        {
            var colour = Colours[s % Colours.Length];
            var points = string.Join(' ', _series[s].Points.Select(p => $"{F(Px(p.X))},{F(Py(p.Y))}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"/>\n");
            foreach (var p in _series[s].Points.Count <= 30 ? _series[s].Points : [])
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"3\" fill=\"{colour}\"/>\n");
            }
            var ly = Top + 8 + (s * 18);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left + 12}\" y=\"{ly - 9}\" width=\"14\" height=\"4\" fill=\"{colour}\"/>\n");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 32}\" y=\"{ly - 3}\">{Esc(_series[s].Name)}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    internal static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Tick(double v) => v >= 10_000 ? (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k" : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Esc(string text) => WebUtility.HtmlEncode(text);
}
