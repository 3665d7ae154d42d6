using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>
/// Charts of a pretraining series (one study per checkpoint): each score against training progress, one line per variant
/// (dense, int8, fp16, …) with its interval band, and the finding of where int8's ICAT trade-off is best.
/// </summary>
internal static class CheckpointCharts
{
    /// <summary>The charts that have data in <paramref name="series"/> (ordered by training), in reading order.</summary>
    public static IEnumerable<SvgChart> For(IReadOnlyList<StudyResult> series)
    {
        foreach (var (m, title) in new[]
        {
            (ReportMetric.Crows, "CrowS-Pairs bias during pretraining"), (ReportMetric.Ss, "StereoSet SS during pretraining"),
            (ReportMetric.Icat, "StereoSet ICAT during pretraining"), (ReportMetric.PAt1, "Knowledge during pretraining"),
            (ReportMetric.Lms, "StereoSet LMS during pretraining"), (ReportMetric.Perplexity, "Perplexity during pretraining"),
        })
            if (series.Any(s => s.Points.Any(p => m.Of(p) is not null))) yield return Chart(series, m, title);
    }

    /// <summary>
    /// "int8's ICAT trade-off is best at …": the checkpoint with the highest ICAT of the int8 variant (group "all" when int8 was
    /// applied per group), with its step, progress and the dense ICAT at the same checkpoint; null without int8 ICAT.
    /// </summary>
    public static string? BestInt8IcatFinding(IReadOnlyList<StudyResult> series)
    {
        var m = ReportMetric.Icat;
        var best = series.Select(s => (s, p: Int8(s)))
            .Where(t => t.p is not null && m.Of(t.p) is not null)
            .OrderByDescending(t => m.Of(t.p!)).FirstOrDefault();
        if (best.p is null) return null;
        string dense = best.s.Dense is { } d && m.Of(d) is not null ? $"; dense ICAT there is {m.WithInterval(d)}" : "";
        string pv = m.Estimate(best.p) is { PVsBase: double p } ? $" (int8 vs dense p = {ReportText.PValue(p)})" : "";
        return $"int8's ICAT trade-off is best at checkpoint <b>{ReportText.Html(Label(best.s))}</b>{ReportText.Html(ReportText.StepText(best.s))}: "
            + $"int8 ICAT {ReportText.Html(m.WithInterval(best.p))}{ReportText.Html(dense)}{ReportText.Html(pv)}.";
    }

    private static StudyPoint? Int8(StudyResult s)
    {
        var int8 = s.Points.Where(p => p.Method == "dynamic-int8").ToList();
        return int8.FirstOrDefault(p => p.Group == "all") ?? int8.FirstOrDefault();
    }

    /// <summary>The checkpoint's label, else its step, else the model folder.</summary>
    public static string Label(StudyResult s) => s.Checkpoint ?? (s.Step is long st ? $"step {st}" : s.Model);

    private static SvgChart Chart(IReadOnlyList<StudyResult> series, ReportMetric m, string title)
    {
        // Progress puts checkpoints of runs of different lengths on one scale; the step is the fallback when it is missing.
        bool byProgress = series.All(s => s.Progress is not null);
        double X(StudyResult s) => byProgress ? s.Progress!.Value * 100 : s.Step ?? 0;
        var chart = new SvgChart
        {
            Title = title, YLabel = m.AxisLabel, Caption = m.HowToRead,
            XLabel = byProgress ? "pretraining progress (% of the last checkpoint's step)" : "training step",
            XTickSuffix = byProgress ? "%" : "",
            YInclude = m.Bias ? [40, 60] : m.FromZero ? [0] : [],
            XInclude = byProgress ? [0, 100] : [0],
            ReferenceLine = m.Bias ? (50, "50 = no preference") : null,
        };
        var variants = series.SelectMany(s => s.Points.Select(p => (p.Method, p.Group))).Distinct()
            .OrderBy(v => v.Method == "dense" ? 0 : 1).ToList();
        var groupsPerMethod = variants.GroupBy(v => v.Method).ToDictionary(g => g.Key, g => g.Count());
        for (int i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            var points = series.SelectMany(s => s.Points.Where(p => (p.Method, p.Group) == v).Select(p => m.Point(X(s), p, s)))
                .OfType<ChartPoint>().ToList();
            if (points.Count == 0) continue;
            var style = ChartPalette.For(v.Method, v.Group, groupsPerMethod[v.Method] > 1);
            // fp16 usually matches dense to the last digit; a few pixels apart both markers stay visible.
            chart.Series.Add(new ChartSeries(ReportText.SeriesName(v.Method, v.Group), points, style) { Intervals = IntervalStyle.Band, DodgePx = (i - (variants.Count - 1) / 2.0) * 5 });
        }
        return chart;
    }
}
