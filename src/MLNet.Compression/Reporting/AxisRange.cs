using System.Globalization;

namespace MLNet.Compression.Reporting;

/// <summary>
/// One axis's range: the data (and any values the chart must show) plus a margin, so no marker or interval end sits on the
/// frame, with ticks at round values (1, 2, 2.5 or 5 × 10^k) inside it.
/// </summary>
public readonly record struct AxisRange(double Min, double Max)
{
    /// <summary>The range around <paramref name="values"/> widened by <paramref name="padFraction"/> of its span on each side.</summary>
    public static AxisRange Around(IEnumerable<double> values, double padFraction = 0.07)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return new(0, 1);
        double min = finite.Min(), max = finite.Max(), span = max - min;
        // A flat series still needs a visible span: a tenth of its value either side (half a unit around zero) keeps its scale honest.
        if (span < 1e-12)
        {
            double half = Math.Max(Math.Abs(min) * 0.1, 0.5);
            return new(min - half, max + half);
        }
        return new(min - span * padFraction, max + span * padFraction);
    }

    /// <summary>The distance between neighbouring ticks, for about <paramref name="target"/> ticks.</summary>
    public double Step(int target = 6)
    {
        double raw = (Max - Min) / target, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        return new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw * 0.999);
    }

    /// <summary>Round tick values inside the range.</summary>
    public IReadOnlyList<double> Ticks(int target = 6)
    {
        double step = Step(target);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(Min / step - 1e-9) * step; t <= Max + step * 1e-9; t += step)
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : Math.Round(t / step) * step);
        return ticks;
    }

    /// <summary>A tick value with as many decimals as the step needs and no more (0.25, 0.5, 40, 1.5e+06).</summary>
    public static string Format(double value, double step)
    {
        if (Math.Abs(value) >= 1e6) return value.ToString("0.##e+0", CultureInfo.InvariantCulture);
        int decimals = 0;
        while (decimals < 6 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-6) decimals++;
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}
