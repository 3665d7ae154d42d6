using System.Globalization;
using System.Text;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.Reporting;
using MLNet.Compression.Study;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// The best plan against dense (and the uniform plans, when compared) on the report split, items the search never
/// measured: a table with each score's 95% interval and paired p-value against dense, and LAMA P@1 against bits per weight.
/// </summary>
public static class ReportSplitSection
{
    private static readonly ChartStyle BestStyle = new("#d62728", ChartMarker.Diamond);

    /// <summary>Appends the table and the chart; a line saying so when the report split was not measured.</summary>
    public static void Append(StringBuilder html, IReadOnlyList<ReportSplitScores> report)
    {
        if (report.Count == 0)
        {
            html.Append("<p class=\"note\">The report split was not measured (no plan to compare with dense).</p>");
            return;
        }
        html.Append("<div class=\"table\"><table><thead><tr><th rowspan=\"2\">plan</th><th rowspan=\"2\">bits / weight</th><th rowspan=\"2\">searched layers (KiB)</th><th rowspan=\"2\">whole model (KiB)</th>")
            .Append("<th rowspan=\"2\">facts kept (%) [95% CI]</th><th colspan=\"2\">LAMA P@1 (%)</th><th rowspan=\"2\">MRR</th><th colspan=\"2\">CrowS-Pairs</th><th colspan=\"2\">StereoSet SS</th><th rowspan=\"2\">facts</th></tr>")
            .Append("<tr><th>value [95% CI]</th><th>p vs dense</th><th>score</th><th>p vs dense</th><th>score</th><th>p vs dense</th></tr></thead><tbody>");
        foreach (var x in report)
        {
            html.Append(x.Name == "dense" ? "<tr class=\"dense\">" : "<tr>")
                .Append($"<td class=\"l\">{ReportText.Html(x.Name)}</td><td>{ReportText.Num(x.BitsPerWeight, 2)}</td><td>{Kib(x.SearchedBytes)}</td><td>{Kib(x.ModelBytes)}</td>")
                .Append($"<td>{(x.Retained is { } kept ? Cell(kept, 100, 1) : "100")}</td><td>{Cell(x.PAt1, 100, 1)}</td><td>{P(x.PAt1)}</td><td>{ReportText.Num(x.Mrr, 3)}</td>")
                .Append($"<td>{Cell(x.Crows, 1, 1)}</td><td>{P(x.Crows)}</td><td>{Cell(x.Ss, 1, 1)}</td><td>{P(x.Ss)}</td><td>{x.NFacts}</td></tr>");
        }
        html.Append("</tbody></table></div>")
            .Append("<p class=\"note\">Facts kept: of the facts the dense model ranks first on this split, the share the plan still ranks first. Grey brackets: 95% bootstrap interval. p vs dense: two-sided paired test against the dense model on the same items ")
            .Append("(exact sign test on facts and CrowS-Pairs pairs, paired bootstrap on StereoSet SS), bold below 0.05. Bias scores: 50 = no preference.</p>");
        if (Chart(report) is { } chart) html.Append("<div class=\"charts\">").Append(chart.ToFigure()).Append("</div>");
    }

    /// <summary>LAMA P@1 with interval bars against bits per weight, or null when no row has a size.</summary>
    public static SvgChart? Chart(IReadOnlyList<ReportSplitScores> report)
    {
        var sized = report.Where(x => x.BitsPerWeight > 0).ToList();
        if (sized.Count == 0) return null;
        // Facts kept where the plans have it (dense keeps all of its own facts); LAMA P@1 otherwise.
        bool kept = sized.Any(x => x.Retained is not null);
        StudyEstimate Value(ReportSplitScores x) => kept ? x.Retained ?? new StudyEstimate { Value = 1, CiLow = 1, CiHigh = 1 } : x.PAt1;
        ChartPoint Point(ReportSplitScores x) => new(x.BitsPerWeight, Value(x).Value * 100)
        {
            Low = Value(x).CiLow * 100, High = Value(x).CiHigh * 100,
            Hover = $"{x.Name}\n{x.BitsPerWeight.ToString("0.00", CultureInfo.InvariantCulture)} bits/weight\n{(kept ? "facts kept" : "P@1")} {Estimate(Value(x))}" +
                    (x.PAt1.PVsBase is double p ? $" · P@1 p vs dense {ReportText.PValue(p)}" : ""),
        };
        var chart = new SvgChart
        {
            Title = "Report split: knowledge against size", XLabel = "bits per weight of the searched layers (log scale)", YLabel = kept ? "facts kept (% of those dense knows)" : "LAMA P@1 (%)",
            XLog = true, YInclude = [0], Width = 640, PlotHeight = 300,
            ReferenceLine = kept ? null : report.FirstOrDefault(x => x.Name == "dense") is { } d ? (d.PAt1.Value * 100, "dense P@1") : null,
            Caption = "Items the search never saw. Higher = more facts recalled; left = smaller. Bars are 95% bootstrap intervals; a plan whose bar overlaps the dense line may not differ from dense (see p in the table).",
        };
        // Plans of nearly the same size would hide each other's bars: each compressed plan is its own series, shifted a few pixels.
        var compressed = sized.Where(x => x.Name != "dense").OrderBy(x => x.Name == "best plan" ? 1 : 0).ToList();
        for (int i = 0; i < compressed.Count; i++)
        {
            var x = compressed[i];
            var style = x.Name == "best plan" ? BestStyle : ChartPalette.Variant(x.Name);
            chart.Series.Add(new ChartSeries(x.Name, [Point(x)], style) { Line = false, DodgePx = (i - (compressed.Count - 1) / 2.0) * 9 });
        }
        if (sized.FirstOrDefault(x => x.Name == "dense") is { } dense) chart.Series.Add(new ChartSeries("dense", [Point(dense)], ChartPalette.Variant("dense")) { Line = false });
        return chart;
    }

    private static string Kib(long bytes) => bytes > 0 ? (bytes / 1024.0).ToString("N1", CultureInfo.InvariantCulture) : "–";

    private static string Estimate(StudyEstimate e) =>
        $"{(e.Value * 100).ToString("0.0", CultureInfo.InvariantCulture)}% [{(e.CiLow * 100).ToString("0.0", CultureInfo.InvariantCulture)}, {(e.CiHigh * 100).ToString("0.0", CultureInfo.InvariantCulture)}]";

    private static string Cell(StudyEstimate? e, double scale, int digits) => e is null ? "–"
        : $"{ReportText.Num(e.Value * scale, digits)} <span class=\"ci\">[{ReportText.Num(e.CiLow * scale, digits)}, {ReportText.Num(e.CiHigh * scale, digits)}]</span>";

    private static string P(StudyEstimate? e) =>
        e?.PVsBase is double p ? (p < 0.05 ? $"<b>{ReportText.Html(ReportText.PValue(p))}</b>" : ReportText.Html(ReportText.PValue(p))) : "–";
}
