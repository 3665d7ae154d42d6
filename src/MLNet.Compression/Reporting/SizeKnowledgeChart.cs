using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>Size against knowledge: every point of a study as a labelled marker, so the cheapest model that keeps its facts stands out.</summary>
internal static class SizeKnowledgeChart
{
    /// <summary>The scatter of <paramref name="s"/>'s points: x total stored size in MiB, y P@1 with its interval.</summary>
    public static SvgChart For(StudyResult s)
    {
        var m = ReportMetric.PAt1;
        var chart = new SvgChart
        {
            Title = "Size vs knowledge (every point)", XLabel = "total stored size (MiB: linear layers + embeddings, norms)", YLabel = m.AxisLabel,
            YInclude = [0], Wide = true, Width = 1200, PlotHeight = 420,
            Caption = "Each marker is one compressed model, labelled: further left = smaller on disk, higher = more facts recalled. Bars are 95% bootstrap intervals.",
        };
        var families = s.Points.Where(p => m.Of(p) is not null).GroupBy(p => (p.Method, p.Group)).OrderBy(f => f.Key.Method == "dense" ? 1 : 0).ToList();
        var groupsPerMethod = families.GroupBy(f => f.Key.Method).ToDictionary(g => g.Key, g => g.Count());
        foreach (var f in families)
        {
            var style = ChartPalette.For(f.Key.Method, f.Key.Group, groupsPerMethod[f.Key.Method] > 1);
            var points = f.Select(p => m.Point(p.SizeBytes / 1048576.0, p)! with
            {
                Label = ReportText.ShortLabel(p),
                Hover = $"{m.Point(0, p)!.Hover}\nsize {ReportText.MiB(p.SizeBytes)} MiB total ({ReportText.MiB(p.LinearBytes)} linear + {ReportText.MiB(p.OtherBytes)} other)",
            }).ToList();
            chart.Series.Add(new ChartSeries(ReportText.SeriesName(f.Key.Method, f.Key.Group), points, style) { Line = false });
        }
        return chart;
    }
}
