using System.Globalization;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.Reporting;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// Size against knowledge drop for every fully measured trial, coloured by bias shift, with the Pareto front joined, the
/// trials outside the bounds as crosses, the best plan as a star and the size limit as a vertical line.
/// </summary>
public static class ParetoChart
{
    private static readonly ChartStyle Feasible = new("#555555", ChartMarker.Circle);
    private static readonly ChartStyle Infeasible = new("#555555", ChartMarker.Cross);
    private static readonly ChartStyle Front = new("#111111", ChartMarker.Circle, "5,3");
    private static readonly ChartStyle Best = new("#111111", ChartMarker.Star);

    /// <summary>The chart, or null when no trial was measured on the whole search split.</summary>
    public static SvgChart? For(ExperimentResult r, IReadOnlyList<MeasuredTrial> trials, SizeScale size)
    {
        var measured = trials.Where(t => t.FullyMeasured && t.Metrics.KnowledgeDrop is not null).ToList();
        if (measured.Count == 0) return null;
        var unit = MeasuredTrial.UnitOf(trials);
        bool bits = size.Parameters is not null && measured.All(t => t.Metrics.BitsPerWeight > 0);
        double X(MeasuredTrial t) => bits ? t.Metrics.BitsPerWeight : t.Metrics.SizeFraction * 100;
        double Y(MeasuredTrial t) => t.Metrics.KnowledgeDrop!.Value * unit.Scale();

        var shifts = measured.Select(t => t.Metrics.BiasShift).OfType<double>().Where(double.IsFinite).ToList();
        var scale = shifts.Count == 0 ? null : new ColorScale("bias shift (score points; larger = bias moved further)", 0, Math.Max(shifts.Max(), 1e-9));
        var frontIds = r.ParetoFront.Select(t => t.Id).ToHashSet();

        ChartPoint Point(MeasuredTrial t) => new(X(t), Y(t))
        {
            Color = scale is not null && t.Metrics.BiasShift is double b && double.IsFinite(b) ? scale.ColorOf(b) : null,
            Label = frontIds.Contains(t.Trial.Id) ? "#" + t.Trial.Id.ToString(CultureInfo.InvariantCulture) : null,
            Hover = Hover(t, unit),
        };

        // A log axis pays off only when sizes span a wide range (no budget, or fp32 beside 2-bit plans).
        bool log = bits && measured.Select(X).Max() / Math.Max(measured.Select(X).Min(), 1e-9) > 3;
        double? limit = bits ? size.LimitBitsPerWeight(r) : SizeScale.HasLimit(r) && r.DenseSearchedBytes > 0 ? 100.0 * r.SearchedLimit / r.DenseSearchedBytes : null;
        var chart = new SvgChart
        {
            Title = "Pareto front: size vs knowledge lost",
            XLabel = bits ? $"bits per weight of the searched layers{(log ? " (log scale)" : "")}" : "size of the searched layers (% of dense)",
            YLabel = unit.DropLabel(), Wide = true, Width = 1100, PlotHeight = 380, XLog = log,
            YInclude = [0], XReferenceLine = limit is double l ? (l, $"size limit ({l.ToString(bits ? "0.00" : "0.0", CultureInfo.InvariantCulture)}{(bits ? " bits/weight" : "%")})") : null,
            ColorScale = scale,
            Caption = "Every trial measured on the whole search split. Left = smaller, lower = less knowledge lost " +
                      (unit == KnowledgeUnit.EmbeddingCosine ? "(0: the same sentence vectors as dense on these texts). " : "(below 0: the compressed model recalled more facts than dense on these items). ") +
                      (scale is null ? "No bias data was measured, so markers are grey. " : "Colour = bias shift (scale under the chart). ") +
                      "Crosses broke a bound (size, knowledge or bias); the dashed line joins the Pareto front (labelled #id), the plans no other beats on size, knowledge drop and bias shift together — " +
                      "so a front point can sit above another one that has more bias shift. The star is the best plan. Trials stopped early by ASHA are not drawn: they were measured on a smaller share.",
        };
        var front = measured.Where(t => frontIds.Contains(t.Trial.Id)).OrderBy(X).Select(t => new ChartPoint(X(t), Y(t)) { Anchor = true }).ToList();
        if (front.Count > 1) chart.Series.Add(new ChartSeries("Pareto front", front, Front) { Intervals = IntervalStyle.None });
        foreach (var (name, feasible, style) in new[] { ("in bounds", true, Feasible), ("out of bounds", false, Infeasible) })
            if (measured.Where(t => t.Metrics.Feasible == feasible).Select(Point).ToList() is { Count: > 0 } points)
                chart.Series.Add(new ChartSeries(name, points, style) { Line = false });
        if (r.Best is { } best && measured.FirstOrDefault(t => t.Trial.Id == best.Id) is { } b)
            chart.Series.Add(new ChartSeries("best plan", [new ChartPoint(X(b), Y(b)) { Hover = Hover(b, unit), Label = frontIds.Contains(b.Trial.Id) ? null : "best #" + b.Trial.Id }], Best) { Line = false });
        return chart;
    }

    /// <summary>The hover text of a trial: id, plan, and each number the axes and colour show.</summary>
    public static string Hover(MeasuredTrial t, KnowledgeUnit unit)
    {
        var m = t.Metrics;
        var inv = CultureInfo.InvariantCulture;
        return $"trial #{t.Trial.Id}: {m.Plan}\n{m.BitsPerWeight.ToString("0.00", inv)} bits/weight ({(m.SizeFraction * 100).ToString("0.0", inv)}% of dense)" +
               $"\nknowledge drop {(m.KnowledgeDrop is double d ? (d * unit.Scale()).ToString("+0.00;-0.00;0", inv) : "–")}" +
               $" · bias shift {(m.BiasShift is double b ? b.ToString("0.0", inv) : "–")} · loss {m.Loss.ToString("0.0000", inv)}" +
               $"\n{(m.Feasible ? "in bounds" : $"out of bounds (violation {m.Violation.ToString("0.###", inv)})")}";
    }
}
