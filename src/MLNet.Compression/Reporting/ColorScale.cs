using System.Globalization;
using System.Net;
using System.Text;

namespace MLNet.Compression.Reporting;

/// <summary>
/// Maps a number to a colour, linearly or on a symmetric-log scale (for values that span decades and may be negative,
/// such as a loss increase that is noise around zero for most layers and large for a few), and draws itself as a labelled
/// bar so no colour in a chart goes without its legend.
/// </summary>
public sealed record ColorScale(string Label, double Min, double Max)
{
    /// <summary>Height the bar and its ticks take under a chart's legend.</summary>
    public const int BarHeight = 44;

    /// <summary>Dark blue through purple to orange: every step stays visible on white, and the order reads without a legend.</summary>
    public static IReadOnlyList<string> Sequential { get; } = ["#0d0887", "#6a00a8", "#b12a90", "#e16462", "#fca636"];

    /// <summary>Blue below zero, near-white at zero, red above: for a signed change where zero means "no effect".</summary>
    public static IReadOnlyList<string> Diverging { get; } = ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"];

    /// <summary>The colours from <see cref="Min"/> to <see cref="Max"/>, evenly spaced on the (transformed) scale.</summary>
    public IReadOnlyList<string> Stops { get; init; } = Sequential;

    /// <summary>
    /// When set, the scale is sign(v)·log10(1 + |v| / threshold): linear within ± threshold, logarithmic beyond, so one
    /// large value does not wash out the rest. Null: linear.
    /// </summary>
    public double? SymLogThreshold { get; init; }

    /// <summary>The colour of <paramref name="value"/> (clamped to the range) as #rrggbb.</summary>
    public string ColorOf(double value)
    {
        double lo = T(Min), hi = T(Max);
        double t = hi > lo ? Math.Clamp((T(value) - lo) / (hi - lo), 0, 1) : 0.5;
        double at = t * (Stops.Count - 1);
        int i = Math.Min((int)Math.Floor(at), Stops.Count - 2);
        return Mix(Stops[i], Stops[i + 1], at - i);
    }

    /// <summary>Whether text drawn on <paramref name="color"/> should be white rather than black.</summary>
    public static bool IsDark(string color)
    {
        var (r, g, b) = Rgb(color);
        return 0.299 * r + 0.587 * g + 0.114 * b < 140;
    }

    /// <summary>Tick values on the bar: round linear ticks, or 0 and ± threshold × 10^k on a symmetric-log scale.</summary>
    public IReadOnlyList<double> Ticks()
    {
        if (SymLogThreshold is not double c) return new AxisRange(Min, Max).Ticks(5).Where(v => v >= Min - 1e-12 && v <= Max + 1e-12).ToList();
        var ticks = new List<double>();
        if (Min <= 0 && Max >= 0) ticks.Add(0);
        for (double m = c; m <= Math.Max(Math.Abs(Min), Math.Abs(Max)) * 1.0001; m *= 10)
        {
            if (m <= Max * 1.0001) ticks.Add(m);
            if (-m >= Min * 1.0001) ticks.Add(-m);
        }
        return ticks.OrderBy(v => v).ToList();
    }

    /// <summary>Appends the label, the bar (as thin rectangles, so no gradient id can clash between charts) and its ticks at (x, y).</summary>
    public void AppendBar(StringBuilder sb, double x, double y, double width)
    {
        const int steps = 60;
        sb.Append($"<text x=\"{F(x)}\" y=\"{F(y + 11)}\" fill=\"#222\">{WebUtility.HtmlEncode(Label)}</text>");
        double lo = T(Min), hi = T(Max), top = y + 16;
        for (int k = 0; k < steps; k++)
        {
            double v = Inverse(lo + (hi - lo) * (k + 0.5) / steps);
            sb.Append($"<rect x=\"{F(x + width * k / steps)}\" y=\"{F(top)}\" width=\"{F(width / steps + 0.6)}\" height=\"10\" fill=\"{ColorOf(v)}\"/>");
        }
        sb.Append($"<rect x=\"{F(x)}\" y=\"{F(top)}\" width=\"{F(width)}\" height=\"10\" fill=\"none\" stroke=\"#777\" stroke-width=\"0.6\"/>");
        double lastEnd = double.NegativeInfinity;
        foreach (double v in Ticks())
        {
            double tx = x + (hi > lo ? (T(v) - lo) / (hi - lo) : 0.5) * width;
            string text = Format(v);
            double half = text.Length * 3;
            if (tx - half < lastEnd + 4) continue; // keep tick labels apart on a crowded bar
            lastEnd = tx + half;
            sb.Append($"<line x1=\"{F(tx)}\" x2=\"{F(tx)}\" y1=\"{F(top + 10)}\" y2=\"{F(top + 13)}\" stroke=\"#555\"/>");
            sb.Append($"<text x=\"{F(tx)}\" y=\"{F(top + 24)}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333\">{WebUtility.HtmlEncode(text)}</text>");
        }
    }

    private double T(double v) => SymLogThreshold is double c ? Math.Sign(v) * Math.Log10(1 + Math.Abs(v) / c) : v;

    private double Inverse(double t) => SymLogThreshold is double c ? Math.Sign(t) * c * (Math.Pow(10, Math.Abs(t)) - 1) : t;

    private string Format(double v)
    {
        if (v == 0) return "0";
        if (SymLogThreshold is not null) return v.ToString(Math.Abs(v) >= 1 ? "0.##" : "0.#####", CultureInfo.InvariantCulture);
        return AxisRange.Format(v, new AxisRange(Min, Max).Step(5));
    }

    private static string Mix(string a, string b, double t)
    {
        var (r1, g1, b1) = Rgb(a);
        var (r2, g2, b2) = Rgb(b);
        int M(int u, int w) => (int)Math.Round(u + (w - u) * t);
        return $"#{M(r1, r2):x2}{M(g1, g2):x2}{M(b1, b2):x2}";
    }

    private static (int R, int G, int B) Rgb(string color) =>
        (Convert.ToInt32(color.Substring(1, 2), 16), Convert.ToInt32(color.Substring(3, 2), 16), Convert.ToInt32(color.Substring(5, 2), 16));

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
