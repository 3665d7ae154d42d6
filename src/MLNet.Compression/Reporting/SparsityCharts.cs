using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>
/// The charts of one study against sparsity: knowledge, frequent against rare facts, each bias score and perplexity. Every
/// method and group is its own series; pruning curves start from the dense value at sparsity 0, and points of methods
/// that prune nothing (int8, fp16) stand at sparsity 0 beside the dense star.
/// </summary>
internal static class SparsityCharts
{
    private const string XLabel = "sparsity (fraction of the group's weights pruned)";

    /// <summary>The charts that have data in <paramref name="s"/>, in reading order.</summary>
    public static IEnumerable<SvgChart> For(StudyResult s)
    {
        if (Has(s, ReportMetric.PAt1)) yield return Chart(s, ReportMetric.PAt1, "Knowledge vs sparsity");
        if (Has(s, ReportMetric.PAt1Frequent) && Curves(s, ReportMetric.PAt1Frequent).Any()) yield return FrequentRare(s);
        if (Has(s, ReportMetric.Crows)) yield return Chart(s, ReportMetric.Crows, "CrowS-Pairs bias vs sparsity");
        if (Has(s, ReportMetric.Ss)) yield return Chart(s, ReportMetric.Ss, "StereoSet SS vs sparsity");
        if (Has(s, ReportMetric.Icat)) yield return Chart(s, ReportMetric.Icat, "StereoSet ICAT vs sparsity");
        if (Has(s, ReportMetric.Perplexity)) yield return Chart(s, ReportMetric.Perplexity, "Perplexity vs sparsity");
        if (Has(s, ReportMetric.EmbeddingCosine)) yield return Chart(s, ReportMetric.EmbeddingCosine, "Sentence vectors vs sparsity: cosine to dense");
        if (Has(s, ReportMetric.EmbeddingSpearman)) yield return Chart(s, ReportMetric.EmbeddingSpearman, "Sentence similarities vs sparsity: rank correlation with dense");
        if (Has(s, ReportMetric.PAt1)) yield return SizeKnowledgeChart.For(s);
    }

    /// <summary>True when the study has pruning curves: some method evaluated at a sparsity above 0.</summary>
    public static bool HasCurves(StudyResult s) => s.Points.Any(p => p.Method != "dense" && p.Sparsity > 0);

    private static bool Has(StudyResult s, ReportMetric m) => s.Points.Any(p => m.Of(p) is not null);

    /// <summary>A chart of <paramref name="m"/> against sparsity with every method and group of the study.</summary>
    public static SvgChart Chart(StudyResult s, ReportMetric m, string title)
    {
        var chart = NewChart(title, m, m.HowToRead);
        var families = Families(s, m);
        var groupsPerMethod = families.GroupBy(f => f.Key.Method).ToDictionary(g => g.Key, g => g.Count());
        var curves = families.Where(IsCurve).ToList();
        int single = 0;
        foreach (var f in families)
        {
            var style = ChartPalette.For(f.Key.Method, f.Key.Group, groupsPerMethod[f.Key.Method] > 1);
            var points = f.OrderBy(p => p.Sparsity).Select(p => m.Point(p.Sparsity, p)!).ToList();
            bool curve = IsCurve(f);
            if (curve) StartAtDense(points, s, m);
            // Curves sharing sparsities are spread by a few pixels so their bars stay apart; lone points (int8 of each
            // group at sparsity 0) step right of the dense star one by one.
            double dodge = curve ? (curves.IndexOf(f) - (curves.Count - 1) / 2.0) * 4 : 7 * ++single;
            chart.Series.Add(new ChartSeries(ReportText.SeriesName(f.Key.Method, f.Key.Group), points, style) { Line = curve, DodgePx = dodge });
        }
        AddDense(chart, s, m);
        return chart;
    }

    /// <summary>P@1 on frequent and on rare facts for each pruning curve: the group's colour, solid and filled for frequent, dotted and hollow for rare.</summary>
    private static SvgChart FrequentRare(StudyResult s)
    {
        var chart = NewChart("Frequent vs rare facts", ReportMetric.PAt1Frequent, ReportMetric.PAt1Frequent.HowToRead);
        // Magnitude curves alone when there are any: with every variant doubled into frequent and rare the chart would not read.
        var all = Curves(s, ReportMetric.PAt1Frequent).ToList();
        var curves = all.Any(f => f.Key.Method == "magnitude") ? all.Where(f => f.Key.Method == "magnitude").ToList() : all;
        for (int i = 0; i < curves.Count; i++)
        {
            var f = curves[i];
            var style = ChartPalette.For(f.Key.Method, f.Key.Group, perGroup: true);
            string name = ReportText.SeriesName(f.Key.Method, f.Key.Group);
            foreach (var (m, suffix, look) in new[] { (ReportMetric.PAt1Frequent, "frequent", style with { Dash = null, Hollow = false }), (ReportMetric.PAt1Rare, "rare", style with { Dash = "2,3", Hollow = true }) })
            {
                var points = f.OrderBy(p => p.Sparsity).Select(p => m.Point(p.Sparsity, p)).OfType<ChartPoint>().ToList();
                if (points.Count == 0) continue;
                StartAtDense(points, s, m);
                chart.Series.Add(new ChartSeries($"{name} {suffix}", points, look) { DodgePx = (i - (curves.Count - 1) / 2.0) * 4 });
            }
        }
        var dense = ChartPalette.Variant("dense");
        if (s.Dense is { } d)
        {
            if (ReportMetric.PAt1Frequent.Point(0, d) is { } fp) chart.Series.Add(new ChartSeries("dense frequent", [fp], dense) { Line = false });
            if (ReportMetric.PAt1Rare.Point(0, d) is { } rp) chart.Series.Add(new ChartSeries("dense rare", [rp], dense with { Hollow = true }) { Line = false });
        }
        return chart;
    }

    private static SvgChart NewChart(string title, ReportMetric m, string caption) => new()
    {
        Title = title, XLabel = XLabel, YLabel = m.AxisLabel, Caption = caption,
        YInclude = m.Bias ? [40, 60] : m.FromZero ? [0] : [],
        XInclude = [0],
        ReferenceLine = m.Bias ? (50, "50 = no preference") : null,
    };

    /// <summary>The study's points with a value of <paramref name="m"/> by method and group, magnitude pruning first.</summary>
    private static List<IGrouping<(string Method, string Group), StudyPoint>> Families(StudyResult s, ReportMetric m) =>
        s.Points.Where(p => p.Method != "dense" && m.Of(p) is not null).GroupBy(p => (p.Method, p.Group))
            .OrderBy(f => f.Key.Method == "magnitude" ? 0 : 1).ToList();

    private static IEnumerable<IGrouping<(string Method, string Group), StudyPoint>> Curves(StudyResult s, ReportMetric m) => Families(s, m).Where(IsCurve);

    /// <summary>A family that prunes is a curve from the dense value at sparsity 0, even when the grid has a single sparsity.</summary>
    private static bool IsCurve(IGrouping<(string Method, string Group), StudyPoint> f) => f.Any(p => p.Sparsity > 0);

    private static void StartAtDense(List<ChartPoint> points, StudyResult s, ReportMetric m)
    {
        if (s.Dense is { } d && m.Of(d) is double v && points.Count > 0 && points[0].X > 0) points.Insert(0, new ChartPoint(0, v) { Anchor = true });
    }

    private static void AddDense(SvgChart chart, StudyResult s, ReportMetric m)
    {
        if (s.Dense is { } d && m.Point(0, d) is { } p) chart.Series.Add(new ChartSeries("dense", [p], ChartPalette.Variant("dense")) { Line = false });
    }
}
