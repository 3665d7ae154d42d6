using System.Globalization;
using MLNet.Compression.Reporting;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// How the search converged: the loss of each trial in the bounds against its id, and the best loss of a fully measured
/// trial so far as a step line, so a reader sees whether more trials would still help.
/// </summary>
public static class BestSoFarChart
{
    private static readonly ChartStyle Finished = new("#1f77b4", ChartMarker.Circle);
    private static readonly ChartStyle Pruned = new("#8c8c8c", ChartMarker.Circle, Hollow: true);
    private static readonly ChartStyle Step = new("#111111", ChartMarker.Circle);

    /// <summary>The chart, or null when no trial has a loss inside the bounds.</summary>
    public static SvgChart? For(IReadOnlyList<MeasuredTrial> trials)
    {
        var inBounds = trials.Where(t => t.Metrics.Evaluated && t.Metrics.Feasible && double.IsFinite(t.Metrics.Loss)).ToList();
        if (inBounds.Count == 0) return null;
        var unit = MeasuredTrial.UnitOf(trials);
        int outOfBounds = trials.Count(t => t.Metrics.Evaluated && !t.Metrics.Feasible);

        var step = new List<ChartPoint>();
        double? best = null;
        int lastId = trials.Max(t => t.Trial.Id);
        foreach (var t in inBounds.Where(t => t.FullyMeasured).OrderBy(t => t.Trial.Id))
        {
            if (best is double b && t.Metrics.Loss >= b) continue;
            // A step holds the previous best until the trial that beat it.
            if (best is double prev) step.Add(new ChartPoint(t.Trial.Id, prev) { Anchor = true });
            best = t.Metrics.Loss;
            step.Add(new ChartPoint(t.Trial.Id, t.Metrics.Loss) { Anchor = true });
        }
        if (best is double final && step[^1].X < lastId) step.Add(new ChartPoint(lastId, final) { Anchor = true });

        ChartPoint Point(MeasuredTrial t) => new(t.Trial.Id, t.Metrics.Loss) { Hover = ParetoChart.Hover(t, unit) + (t.FullyMeasured ? "" : $"\nstopped early at rung {t.Metrics.Rung} ({(t.Metrics.Fraction * 100).ToString("0", CultureInfo.InvariantCulture)}% of the split)") };
        var chart = new SvgChart
        {
            Title = "Best so far against trials", XLabel = "trial id (in the order the tuner proposed them)", YLabel = "loss (lower = better)",
            XInclude = [0], Width = 640, PlotHeight = 300,
            Caption = "The loss is what the tuner minimises: with a size budget, the knowledge drop (plus a tiny size tie-break); without one, the size. " +
                      "Filled = measured on the whole search split; hollow = stopped early by ASHA, its loss from a smaller share. The line is the best fully measured loss so far. " +
                      (outOfBounds > 0 ? $"{outOfBounds} trial(s) out of bounds are not drawn (their loss is 10 + how far they broke a bound)." : "Every evaluated trial kept the bounds."),
        };
        if (step.Count > 1) chart.Series.Add(new ChartSeries("best so far", step, Step) { Intervals = IntervalStyle.None });
        foreach (var (name, full, style) in new[] { ("stopped early (ASHA)", false, Pruned), ("finished", true, Finished) })
            if (inBounds.Where(t => t.FullyMeasured == full).Select(Point).ToList() is { Count: > 0 } points)
                chart.Series.Add(new ChartSeries(name, points, style) { Line = false });
        return chart;
    }
}
