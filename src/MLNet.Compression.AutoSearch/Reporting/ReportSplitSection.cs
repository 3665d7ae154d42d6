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
        // Columns for the data the search had: facts (LAMA), texts (embedding agreement), bias items (with facts, or when measured).
        bool facts = report.Any(x => x.PAt1 is not null), texts = report.Any(x => x.EmbeddingCosine is not null);
        bool bias = facts || report.Any(x => x.Crows is not null || x.Ss is not null);
        html.Append("<div class=\"table\"><table><thead><tr><th rowspan=\"2\">plan</th><th rowspan=\"2\">bits / weight</th><th rowspan=\"2\">searched layers (KiB)</th><th rowspan=\"2\">whole model (KiB)</th>");
        if (facts) html.Append("<th rowspan=\"2\">facts kept (%) [95% CI]</th><th colspan=\"2\">LAMA P@1 (%)</th><th rowspan=\"2\">MRR</th>");
        if (texts) html.Append("<th rowspan=\"2\">embedding cosine to dense (%) [95% CI]</th><th rowspan=\"2\">similarity Spearman (%) [95% CI]</th>");
        if (bias) html.Append("<th colspan=\"2\">CrowS-Pairs</th><th colspan=\"2\">StereoSet SS</th>");
        if (facts) html.Append("<th rowspan=\"2\">facts</th>");
        if (texts) html.Append("<th rowspan=\"2\">texts</th>");
        html.Append("</tr><tr>");
        if (facts) html.Append("<th>value [95% CI]</th><th>p vs dense</th>");
        if (bias) html.Append("<th>score</th><th>p vs dense</th><th>score</th><th>p vs dense</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var x in report)
        {
            html.Append(x.Name == "dense" ? "<tr class=\"dense\">" : "<tr>")
                .Append($"<td class=\"l\">{ReportText.Html(x.Name)}</td><td>{ReportText.Num(x.BitsPerWeight, 2)}</td><td>{Kib(x.SearchedBytes)}</td><td>{Kib(x.ModelBytes)}</td>");
            if (facts)
                html.Append($"<td>{(x.Retained is { } kept ? Cell(kept, 100, 1) : "100")}</td><td>{Cell(x.PAt1, 100, 1)}</td><td>{P(x.PAt1)}</td><td>{(x.Mrr is double mrr ? ReportText.Num(mrr, 3) : "–")}</td>");
            if (texts) html.Append($"<td>{Cell(x.EmbeddingCosine, 100, 2)}</td><td>{Cell(x.EmbeddingSpearman, 100, 1)}</td>");
            if (bias) html.Append($"<td>{Cell(x.Crows, 1, 1)}</td><td>{P(x.Crows)}</td><td>{Cell(x.Ss, 1, 1)}</td><td>{P(x.Ss)}</td>");
            if (facts) html.Append($"<td>{x.NFacts}</td>");
            if (texts) html.Append($"<td>{x.NTexts?.ToString(CultureInfo.InvariantCulture) ?? "–"}</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table></div><p class=\"note\">");
        if (facts) html.Append("Facts kept: of the facts the dense model ranks first on this split, the share the plan still ranks first. ");
        if (texts)
            html.Append("Embedding cosine: the mean cosine between each text's sentence vector from the plan and from dense (100 = the same vectors); ")
                .Append("similarity Spearman: the rank correlation of the two models' cosine similarities over every pair of texts (100 = neighbours in the same order). ");
        html.Append("Grey brackets: 95% bootstrap interval");
        if (facts || bias)
            html.Append(". p vs dense: two-sided paired test against the dense model on the same items ")
                .Append("(exact sign test on facts and CrowS-Pairs pairs, paired bootstrap on StereoSet SS), bold below 0.05");
        html.Append(bias ? ". Bias scores: 50 = no preference.</p>" : ".</p>");
        if (Chart(report) is { } chart) html.Append("<div class=\"charts\">").Append(chart.ToFigure()).Append("</div>");
    }

    /// <summary>Facts kept (or LAMA P@1, or the embedding cosine without facts) with interval bars against bits per weight, or null when no row has a size.</summary>
    public static SvgChart? Chart(IReadOnlyList<ReportSplitScores> report)
    {
        var sized = report.Where(x => x.BitsPerWeight > 0).ToList();
        if (sized.Count == 0) return null;
        // Facts kept where the plans have it (dense keeps all of its own facts); LAMA P@1 otherwise; the embedding cosine
        // when the search had no facts.
        bool kept = sized.Any(x => x.Retained is not null);
        bool cosine = !kept && sized.All(x => x.PAt1 is null) && sized.Any(x => x.EmbeddingCosine is not null);
        if (!kept && !cosine && sized.All(x => x.PAt1 is null)) return null;
        var one = new StudyEstimate { Value = 1, CiLow = 1, CiHigh = 1 };
        StudyEstimate Value(ReportSplitScores x) => kept ? x.Retained ?? one : cosine ? x.EmbeddingCosine ?? one : x.PAt1 ?? one;
        string what = kept ? "facts kept" : cosine ? "embedding cosine" : "P@1";
        ChartPoint Point(ReportSplitScores x) => new(x.BitsPerWeight, Value(x).Value * 100)
        {
            Low = Value(x).CiLow * 100, High = Value(x).CiHigh * 100,
            Hover = $"{x.Name}\n{x.BitsPerWeight.ToString("0.00", CultureInfo.InvariantCulture)} bits/weight\n{what} {Estimate(Value(x))}" +
                    (x.PAt1?.PVsBase is double p ? $" · P@1 p vs dense {ReportText.PValue(p)}" : "") +
                    (cosine && x.EmbeddingSpearman is { } sp ? $" · similarity Spearman {Estimate(sp)}" : ""),
        };
        var chart = new SvgChart
        {
            Title = "Report split: knowledge against size", XLabel = "bits per weight of the searched layers (log scale)",
            YLabel = kept ? "facts kept (% of those dense knows)" : cosine ? "embedding cosine to dense (%)" : "LAMA P@1 (%)",
            // Cosines of compressed models sit near 100: an axis from 0 would flatten every difference between plans.
            XLog = true, YInclude = cosine ? [100] : [0], Width = 640, PlotHeight = 300,
            ReferenceLine = kept || cosine ? null : report.FirstOrDefault(x => x.Name == "dense") is { PAt1: { } dp } ? (dp.Value * 100, "dense P@1") : null,
            Caption = cosine
                ? "Texts the search never saw. Higher = sentence vectors closer to dense's (100 = the same); left = smaller. Bars are 95% bootstrap intervals over texts."
                : "Items the search never saw. Higher = more facts recalled; left = smaller. Bars are 95% bootstrap intervals; a plan whose bar overlaps the dense line may not differ from dense (see p in the table).",
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
