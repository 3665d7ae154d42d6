using System.Globalization;
using System.Net;
using System.Text;

namespace MLNet.Compression.Reporting;

/// <summary>One named series of (x, y) points; drawn as a line with markers, or markers only.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, bool Line = true);

/// <summary>
/// A small self-contained SVG chart (axes, ticks, grid, legend, lines or scatter), so reports open offline in any browser
/// with no script or external asset.
/// </summary>
public sealed class SvgChart
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public List<ChartSeries> Series { get; } = new();
    public double? YMin { get; init; }
    public double? YMax { get; init; }
    /// <summary>Horizontal reference line (e.g. 50 for an unbiased CrowS score) with its label.</summary>
    public (double Y, string Label)? ReferenceLine { get; init; }
    public bool LogX { get; init; }
    public int Width { get; init; } = 560;
    public int Height { get; init; } = 340;

    public string ToSvg()
    {
        const int left = 60, right = 150, top = 36, bottom = 48;
        int pw = Width - left - right, ph = Height - top - bottom;
        var pts = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        double Tx(double x) => LogX ? Math.Log10(Math.Max(x, 1e-12)) : x;
        double xmin = pts.Count > 0 ? pts.Min(p => Tx(p.X)) : 0, xmax = pts.Count > 0 ? pts.Max(p => Tx(p.X)) : 1;
        double ymin = YMin ?? (pts.Count > 0 ? pts.Min(p => p.Y) : 0), ymax = YMax ?? (pts.Count > 0 ? pts.Max(p => p.Y) : 1);
        if (ReferenceLine is { } rl) { ymin = Math.Min(ymin, rl.Y); ymax = Math.Max(ymax, rl.Y); }
        if (xmax - xmin < 1e-12) { xmin -= 0.5; xmax += 0.5; }
        if (ymax - ymin < 1e-12) { ymin -= 0.5; ymax += 0.5; }
        double X(double x) => left + (Tx(x) - xmin) / (xmax - xmin) * pw;
        double Y(double y) => top + ph - (y - ymin) / (ymax - ymin) * ph;
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append($"<text x=\"{left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{Esc(Title)}</text>");
        sb.Append($"<rect x=\"{left}\" y=\"{top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>");
        foreach (double yv in NiceTicks(ymin, ymax))
        {
            double y = Y(yv);
            sb.Append($"<line x1=\"{left}\" x2=\"{left + pw}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>");
            sb.Append($"<text x=\"{left - 6}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{Tick(yv)}</text>");
        }
        foreach (double xt in NiceTicks(xmin, xmax))
        {
            double x = left + (xt - xmin) / (xmax - xmin) * pw;
            sb.Append($"<text x=\"{F(x)}\" y=\"{top + ph + 16}\" text-anchor=\"middle\">{Tick(LogX ? Math.Pow(10, xt) : xt)}</text>");
        }
        sb.Append($"<text x=\"{left + pw / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Esc(XLabel)}</text>");
        sb.Append($"<text transform=\"translate(14,{top + ph / 2}) rotate(-90)\" text-anchor=\"middle\">{Esc(YLabel)}</text>");
        if (ReferenceLine is { } r)
        {
            sb.Append($"<line x1=\"{left}\" x2=\"{left + pw}\" y1=\"{F(Y(r.Y))}\" y2=\"{F(Y(r.Y))}\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>");
            sb.Append($"<text x=\"{left + pw - 4}\" y=\"{F(Y(r.Y) - 4)}\" text-anchor=\"end\" fill=\"#666\">{Esc(r.Label)}</text>");
        }
        for (int s = 0; s < Series.Count; s++)
        {
            var series = Series[s];
            string color = Palette[s % Palette.Length];
            var valid = series.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).OrderBy(p => p.X).ToList();
            if (series.Line && valid.Count > 1)
                sb.Append($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(" ", valid.Select(p => F(X(p.X)) + "," + F(Y(p.Y))))}\"/>");
            foreach (var p in valid)
                sb.Append($"<circle cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"3.5\" fill=\"{color}\"><title>{Esc(series.Name)}: ({Tick(p.X)}, {Tick(p.Y)})</title></circle>");
            int ly = top + 14 + s * 18;
            sb.Append($"<rect x=\"{left + pw + 12}\" y=\"{ly - 9}\" width=\"12\" height=\"12\" fill=\"{color}\"/>");
            sb.Append($"<text x=\"{left + pw + 30}\" y=\"{ly + 1}\">{Esc(series.Name)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>About five round tick values (steps of 1, 2, 2.5 or 5 × 10^k) inside [min, max].</summary>
    private static IEnumerable<double> NiceTicks(double min, double max)
    {
        double raw = (max - min) / 5, mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * mag).First(st => st >= raw);
        for (double t = Math.Ceiling(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
    }

    private static string Tick(double v)
    {
        double a = Math.Abs(v);
        string format = a >= 1e6 ? "0.##e0" : a >= 100 ? "0" : a >= 1 ? "0.##" : a == 0 ? "0" : "0.###";
        return v.ToString(format, CultureInfo.InvariantCulture);
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
