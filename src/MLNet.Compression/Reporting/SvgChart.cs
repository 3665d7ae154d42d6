using System.Globalization;
using System.Net;
using System.Text;

namespace MLNet.Compression.Reporting;

/// <summary>
/// A self-contained SVG chart (padded axes with round ticks, grid, optional reference line, lines, markers with hover text,
/// error bars or interval bands, point labels and a legend), so a report opens offline in any browser with no script or
/// external asset. The SVG has a viewBox and scales to the width of its container.
/// </summary>
public sealed class SvgChart
{
    private const int Left = 66, Right = 18, Top = 34, AxisBand = 46, LegendRow = 19, LegendTop = 8;
    private const double CharWidth = 6.6, LabelCharWidth = 5.9;

    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }

    /// <summary>The series, drawn in order (later ones on top) and listed in the legend in the same order.</summary>
    public List<ChartSeries> Series { get; } = new();

    /// <summary>Values the y axis must show even where no data is (40 and 60 around a bias score's 50, 0 under P@1).</summary>
    public IReadOnlyList<double> YInclude { get; init; } = [];

    /// <summary>Values the x axis must show even where no data is.</summary>
    public IReadOnlyList<double> XInclude { get; init; } = [];

    /// <summary>A dashed horizontal line with its label, such as 50 = no preference on a bias score.</summary>
    public (double Y, string Label)? ReferenceLine { get; init; }

    /// <summary>A dashed vertical line with its label (named in the legend), such as a size limit on a size axis.</summary>
    public (double X, string Label)? XReferenceLine { get; init; }

    /// <summary>
    /// Places x on a base-2 logarithmic axis with ticks at 1, 1.5, 2, 3, 4, 6, 8 … (bits per weight from 2 to 32 then
    /// share the width instead of the dense model's 32 squeezing every compressed point into one corner). Non-positive
    /// x values are not drawn.
    /// </summary>
    public bool XLog { get; init; }

    /// <summary>The colour scale of points that carry their own <see cref="ChartPoint.Color"/>, drawn as a bar under the legend.</summary>
    public ColorScale? ColorScale { get; init; }

    /// <summary>The "how to read this" line shown under the chart by <see cref="ToFigure"/>.</summary>
    public string? Caption { get; init; }

    /// <summary>Suffix written after each x tick value ("%" on a progress axis).</summary>
    public string XTickSuffix { get; init; } = "";

    /// <summary>Spans the full row of the page's chart grid (a scatter whose every point carries a label needs the room).</summary>
    public bool Wide { get; init; }

    /// <summary>Width of the viewBox; the page scales it to the grid cell.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the plotting area inside the viewBox.</summary>
    public int PlotHeight { get; init; } = 290;

    /// <summary>The chart and its caption as an HTML figure.</summary>
    public string ToFigure() =>
        $"<figure class=\"chart{(Wide ? " wide" : "")}\">{ToSvg()}{(Caption is null ? "" : $"<figcaption>{Esc(Caption)}</figcaption>")}</figure>";

    /// <summary>The chart as one &lt;svg&gt; element (well-formed XML).</summary>
    public string ToSvg()
    {
        int pw = Width - Left - Right, ph = PlotHeight;
        var legend = LayoutLegend(pw);
        int legendRows = legend.Count == 0 ? 0 : legend.Max(e => e.Row) + 1;
        int scaleBand = ColorScale is null ? 0 : ColorScale.BarHeight + 6;
        int height = Top + ph + AxisBand + LegendTop + legendRows * LegendRow + scaleBand + 4;

        var points = Series.SelectMany(s => s.Points).Where(Drawable).ToList();
        var xr = AxisRange.Around(points.Select(p => Tx(p.X)).Concat(XInclude.Select(Tx)).Concat(XReferenceLine is { } xl ? [Tx(xl.X)] : []).Where(double.IsFinite));
        var yr = AxisRange.Around(points.SelectMany(p => new[] { p.Y, p.Low ?? p.Y, p.High ?? p.Y })
            .Concat(YInclude).Concat(ReferenceLine is { } rl ? [rl.Y] : []));
        double X(double x) => Left + (Tx(x) - xr.Min) / (xr.Max - xr.Min) * pw;
        double Y(double y) => Top + ph - (y - yr.Min) / (yr.Max - yr.Min) * ph;

        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" width=\"100%\" role=\"img\" font-family=\"DejaVu Sans, Verdana, sans-serif\" font-size=\"12\">");
        sb.Append($"<title>{Esc(Title)}</title>");
        sb.Append($"<text x=\"{Left}\" y=\"21\" font-size=\"15\" font-weight=\"bold\" fill=\"#111\">{Esc(Title)}</text>");

        double yStep = yr.Step(), xStep = xr.Step(7);
        foreach (double t in yr.Ticks())
        {
            sb.Append($"<line x1=\"{Left}\" x2=\"{Left + pw}\" y1=\"{F(Y(t))}\" y2=\"{F(Y(t))}\" stroke=\"#e6e6e6\"/>");
            sb.Append($"<text x=\"{Left - 7}\" y=\"{F(Y(t) + 4)}\" text-anchor=\"end\" fill=\"#333\">{AxisRange.Format(t, yStep)}</text>");
        }
        foreach (double t in XLog ? LogTicks(xr) : xr.Ticks(7))
        {
            sb.Append($"<line x1=\"{F(X(t))}\" x2=\"{F(X(t))}\" y1=\"{Top}\" y2=\"{Top + ph}\" stroke=\"#f0f0f0\"/>");
            sb.Append($"<line x1=\"{F(X(t))}\" x2=\"{F(X(t))}\" y1=\"{Top + ph}\" y2=\"{Top + ph + 4}\" stroke=\"#555\"/>");
            sb.Append($"<text x=\"{F(X(t))}\" y=\"{Top + ph + 17}\" text-anchor=\"middle\" fill=\"#333\">{(XLog ? t.ToString("0.##", CultureInfo.InvariantCulture) : AxisRange.Format(t, xStep))}{Esc(XTickSuffix)}</text>");
        }
        sb.Append($"<text x=\"{Left + pw / 2}\" y=\"{Top + ph + 36}\" text-anchor=\"middle\" fill=\"#222\">{Esc(XLabel)}</text>");
        sb.Append($"<text transform=\"translate(16,{Top + ph / 2}) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">{Esc(YLabel)}</text>");
        if (ReferenceLine is { } r)
        {
            sb.Append($"<line x1=\"{Left}\" x2=\"{Left + pw}\" y1=\"{F(Y(r.Y))}\" y2=\"{F(Y(r.Y))}\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"6,4\"/>");
        }
        if (XReferenceLine is { } xv)
            sb.Append($"<line x1=\"{F(X(xv.X))}\" x2=\"{F(X(xv.X))}\" y1=\"{Top}\" y2=\"{Top + ph}\" stroke=\"#b2182b\" stroke-width=\"1.5\" stroke-dasharray=\"7,3,2,3\"/>");

        // Bands first, then lines, bars and markers, so no band covers a marker of another series.
        var drawn = Series.Select(s => (s, pts: s.Points.Where(Drawable).OrderBy(p => p.X).ToList())).ToList();
        double Px(ChartSeries s, ChartPoint p) => X(p.X) + (p.Anchor ? 0 : s.DodgePx);
        foreach (var (s, pts) in drawn.Where(d => d.s.Intervals == IntervalStyle.Band))
        {
            var banded = pts.Where(p => p.Low is not null && p.High is not null).ToList();
            if (banded.Count < 2) continue;
            string upper = string.Join(" ", banded.Select(p => F(Px(s, p)) + "," + F(Y(p.High!.Value))));
            string lower = string.Join(" ", banded.AsEnumerable().Reverse().Select(p => F(Px(s, p)) + "," + F(Y(p.Low!.Value))));
            sb.Append($"<polygon points=\"{upper} {lower}\" fill=\"{s.Style.Color}\" fill-opacity=\"0.13\" stroke=\"{s.Style.Color}\" stroke-opacity=\"0.35\" stroke-width=\"0.8\"/>");
        }
        foreach (var (s, pts) in drawn.Where(d => d.s.Line && d.pts.Count > 1))
        {
            string dash = s.Style.Dash is null ? "" : $" stroke-dasharray=\"{s.Style.Dash}\"";
            sb.Append($"<polyline fill=\"none\" stroke=\"{s.Style.Color}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"{dash} points=\"{string.Join(" ", pts.Select(p => F(Px(s, p)) + "," + F(Y(p.Y))))}\"/>");
        }
        foreach (var (s, pts) in drawn)
        {
            bool bars = s.Intervals == IntervalStyle.ErrorBars || (s.Intervals == IntervalStyle.Band && pts.Count(p => !p.Anchor) == 1);
            if (!bars) continue;
            foreach (var p in pts.Where(p => !p.Anchor && p.Low is not null && p.High is not null))
            {
                double x = Px(s, p), y1 = Y(p.Low!.Value), y2 = Y(p.High!.Value);
                sb.Append($"<path d=\"M{F(x)},{F(y1)}V{F(y2)}M{F(x - 3.5)},{F(y1)}H{F(x + 3.5)}M{F(x - 3.5)},{F(y2)}H{F(x + 3.5)}\" stroke=\"{s.Style.Color}\" stroke-width=\"1.4\" stroke-opacity=\"0.85\" fill=\"none\"/>");
            }
        }
        // Labels keep clear of markers and of error bars, which are drawn before them.
        var occupied = new List<(double X0, double Y0, double X1, double Y1)>();
        foreach (var (s, pts) in drawn.Where(d => d.s.Intervals == IntervalStyle.ErrorBars))
            foreach (var p in pts.Where(p => !p.Anchor && p.Low is not null && p.High is not null))
                occupied.Add((Px(s, p) - 4, Y(p.High!.Value), Px(s, p) + 4, Y(p.Low!.Value)));
        foreach (var (s, pts) in drawn)
            foreach (var p in pts.Where(p => !p.Anchor))
            {
                double x = Px(s, p), y = Y(p.Y);
                Marker(sb, p.Color is null ? s.Style : s.Style with { Color = p.Color }, x, y, 4.6, p.Hover);
                occupied.Add((x - 5, y - 5, x + 5, y + 5));
            }
        var plot = (X0: Left + 2.0, Y0: Top + 2.0, X1: Left + pw - 2.0, Y1: Top + ph - 2.0);
        foreach (var (s, pts) in drawn)
            foreach (var p in pts.Where(p => !p.Anchor && !string.IsNullOrEmpty(p.Label)))
                Label(sb, p.Label!, Px(s, p), Y(p.Y), occupied, plot);
        sb.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#555\"/>");

        int ly0 = Top + ph + AxisBand + LegendTop;
        foreach (var e in legend)
        {
            double x = Left + e.X, y = ly0 + e.Row * LegendRow;
            if (e.Vertical)
            {
                sb.Append($"<line x1=\"{F(x + 14)}\" x2=\"{F(x + 14)}\" y1=\"{F(y - 7)}\" y2=\"{F(y + 7)}\" stroke=\"#b2182b\" stroke-width=\"1.5\" stroke-dasharray=\"4,2\"/>");
                sb.Append($"<text x=\"{F(x + 34)}\" y=\"{F(y + 4)}\" fill=\"#222\">{Esc(e.Label)}</text>");
                continue;
            }
            if (e.Series is null)
            {
                sb.Append($"<line x1=\"{F(x)}\" x2=\"{F(x + 28)}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"6,4\"/>");
                sb.Append($"<text x=\"{F(x + 34)}\" y=\"{F(y + 4)}\" fill=\"#222\">{Esc(e.Label)}</text>");
                continue;
            }
            if (e.Series.Line)
            {
                string dash = e.Series.Style.Dash is null ? "" : $" stroke-dasharray=\"{e.Series.Style.Dash}\"";
                sb.Append($"<line x1=\"{F(x)}\" x2=\"{F(x + 28)}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"{e.Series.Style.Color}\" stroke-width=\"2.2\"{dash}/>");
            }
            // A line through anchors only (a front, a best-so-far step) has no markers on the plot, so none in its legend either.
            if (e.Series.Points.Any(p => !p.Anchor)) Marker(sb, e.Series.Style, x + 14, y, 4.6, null);
            sb.Append($"<text x=\"{F(x + 34)}\" y=\"{F(y + 4)}\" fill=\"#222\">{Esc(e.Series.Name)}</text>");
        }
        ColorScale?.AppendBar(sb, Left, ly0 + legendRows * LegendRow - 4, Math.Min(pw, 420));
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>
    /// Legend entries placed left to right, wrapping to a new row when the plot's width is used up. The reference line is
    /// named here (a null series) rather than on the plot, where its label would collide with data lying near it.
    /// </summary>
    private List<(ChartSeries? Series, string Label, bool Vertical, double X, int Row)> LayoutLegend(int width)
    {
        var entries = new List<(ChartSeries?, string, bool, double, int)>();
        double x = 0;
        int row = 0;
        var items = Series.Select(s => ((ChartSeries?)s, s.Name, false)).ToList();
        if (ReferenceLine is { } h) items.Add((null, h.Label, false));
        if (XReferenceLine is { } v) items.Add((null, v.Label, true));
        foreach (var (s, label, vertical) in items)
        {
            double w = 34 + label.Length * CharWidth + 16;
            if (x > 0 && x + w > width) { x = 0; row++; }
            entries.Add((s, label, vertical, x, row));
            x += w;
        }
        return entries;
    }

    /// <summary>Whether a point can be placed: finite, and on a log axis right of zero.</summary>
    private bool Drawable(ChartPoint p) => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!XLog || p.X > 0);

    /// <summary>x as the axis measures it: log2 on a logarithmic axis.</summary>
    private double Tx(double x) => XLog ? (x > 0 ? Math.Log2(x) : double.NaN) : x;

    /// <summary>Ticks of a log2 axis whose range <paramref name="r"/> is in log2 units: 2^k and 1.5·2^k, only 2^k when those crowd.</summary>
    private static IReadOnlyList<double> LogTicks(AxisRange r)
    {
        var all = new List<double>();
        for (int k = (int)Math.Floor(r.Min) - 1; k <= (int)Math.Ceiling(r.Max); k++)
            foreach (double m in new[] { 1.0, 1.5 })
                if (Math.Log2(m * Math.Pow(2, k)) is var l && l >= r.Min && l <= r.Max) all.Add(m * Math.Pow(2, k));
        if (all.Count > 9) all = all.Where(t => Math.Abs(Math.Log2(t) - Math.Round(Math.Log2(t))) < 1e-9).ToList();
        // A narrow range between two powers of two still needs a scale: round linear ticks, placed on the log axis.
        return all.Count >= 2 ? all : new AxisRange(Math.Pow(2, r.Min), Math.Pow(2, r.Max)).Ticks(5);
    }

    /// <summary>
    /// Writes a label beside its marker at the first position that overlaps no marker, error bar or earlier label and stays in
    /// the plot; when every position collides, at the one that collides least.
    /// </summary>
    private static void Label(StringBuilder sb, string text, double x, double y, List<(double X0, double Y0, double X1, double Y1)> occupied,
        (double X0, double Y0, double X1, double Y1) plot)
    {
        double w = text.Length * LabelCharWidth, h = 11;
        // Beside the marker first, then stepping a line up or down at a time, so points that coincide get a stack of labels.
        var offsets = new List<(double dx, double dy)> { (7, -h / 2), (-7 - w, -h / 2), (-w / 2, -9 - h), (-w / 2, 9) };
        for (int k = 1; k <= 4; k++)
            foreach (double dx in new[] { 7, -7 - w })
                offsets.AddRange([(dx, -h / 2 - k * (h + 1)), (dx, -h / 2 + k * (h + 1))]);
        (double X0, double Y0, double X1, double Y1) best = default;
        double bestCost = double.MaxValue;
        foreach (var (dx, dy) in offsets)
        {
            var box = (X0: x + dx, Y0: y + dy, X1: x + dx + w, Y1: y + dy + h);
            double cost = occupied.Sum(o => Overlap(box, o));
            if (box.X0 < plot.X0 || box.X1 > plot.X1 || box.Y0 < plot.Y0 || box.Y1 > plot.Y1) cost += 1e6;
            if (cost < bestCost) { bestCost = cost; best = box; }
            if (cost == 0) break;
        }
        occupied.Add(best);
        sb.Append($"<text x=\"{F(best.X0)}\" y=\"{F(best.Y1 - 2)}\" font-size=\"10\" fill=\"#222\" stroke=\"#fff\" stroke-width=\"3\" stroke-opacity=\"0.85\" paint-order=\"stroke\">{Esc(text)}</text>");
    }

    private static double Overlap((double X0, double Y0, double X1, double Y1) a, (double X0, double Y0, double X1, double Y1) b) =>
        Math.Max(0, Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0)) * Math.Max(0, Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0));

    /// <summary>One marker of radius about <paramref name="r"/> at (cx, cy), with its hover text as an SVG title.</summary>
    private static void Marker(StringBuilder sb, ChartStyle style, double cx, double cy, double r, string? hover)
    {
        string paint = style.Hollow
            ? $"fill=\"#fff\" stroke=\"{style.Color}\" stroke-width=\"2\""
            : $"fill=\"{style.Color}\" stroke=\"#fff\" stroke-width=\"1\"";
        string element = style.Marker switch
        {
            ChartMarker.Circle => $"circle cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"{F(r)}\"",
            ChartMarker.Square => $"rect x=\"{F(cx - r * 0.88)}\" y=\"{F(cy - r * 0.88)}\" width=\"{F(r * 1.76)}\" height=\"{F(r * 1.76)}\"",
            _ => $"path d=\"{ShapePath(style.Marker, cx, cy, r)}\"",
        };
        string name = element[..element.IndexOf(' ')];
        sb.Append('<').Append(element).Append(' ').Append(paint);
        if (hover is null) sb.Append("/>");
        else sb.Append("><title>").Append(Esc(hover)).Append("</title></").Append(name).Append('>');
    }

    private static string ShapePath(ChartMarker marker, double cx, double cy, double r)
    {
        IEnumerable<(double, double)> pts = marker switch
        {
            ChartMarker.Triangle => [(0, -1.25), (1.15, 0.8), (-1.15, 0.8)],
            ChartMarker.TriangleDown => [(0, 1.25), (1.15, -0.8), (-1.15, -0.8)],
            ChartMarker.Diamond => [(0, -1.35), (1.05, 0), (0, 1.35), (-1.05, 0)],
            ChartMarker.Star => Enumerable.Range(0, 10).Select(i =>
            {
                double a = -Math.PI / 2 + i * Math.PI / 5, rr = i % 2 == 0 ? 1.55 : 0.65;
                return (rr * Math.Cos(a), rr * Math.Sin(a));
            }),
            // A plus sign with arms 0.45 wide, turned 45° into an ×.
            _ => new (double, double)[] { (-0.225, -1.2), (0.225, -1.2), (0.225, -0.225), (1.2, -0.225), (1.2, 0.225), (0.225, 0.225), (0.225, 1.2), (-0.225, 1.2), (-0.225, 0.225), (-1.2, 0.225), (-1.2, -0.225), (-0.225, -0.225) }
                .Select(p => ((p.Item1 - p.Item2) * 0.7071, (p.Item1 + p.Item2) * 0.7071)),
        };
        return "M" + string.Join("L", pts.Select(p => F(cx + p.Item1 * r) + "," + F(cy + p.Item2 * r))) + "Z";
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
