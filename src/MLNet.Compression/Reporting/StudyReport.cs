using System.Globalization;
using System.Text;
using MLNet.Compression.IO;
using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>
/// report.html for one or more studies: for each model, charts of knowledge and bias against sparsity per module group with
/// the int8 points, size against knowledge, a table of every point with intervals, and which group costs most knowledge;
/// for a pretraining series (studies with a checkpoint step or progress), every score against training progress per
/// variant. One file, inline SVG and CSS, viewable offline.
/// </summary>
public static class StudyReport
{
    /// <summary>The page style every report shares (fonts, headings, chart grid, figures, tables with intervals), so the search report reads like the study report.</summary>
    public const string Css =
        "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:18px 24px;color:#222;background:#fafafa}" +
        "h1{font-size:24px;margin:0 0 6px}h2{font-size:20px;margin:34px 0 8px;border-bottom:2px solid #ddd;padding-bottom:4px}h2 small{font-weight:normal;color:#666;font-size:14px}" +
        "h3{font-size:16px;margin:22px 0 8px}.lead{color:#444;max-width:110ch;margin:4px 0 12px}" +
        ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:14px}" +
        "figure.chart{margin:0;background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 10px}figure.chart svg{display:block;width:100%;height:auto}figure.wide{grid-column:1/-1}" +
        "figcaption{font-size:13px;color:#444;margin:4px 2px 2px;line-height:1.35}" +
        ".finding{background:#eef3fb;border-left:4px solid #1f77b4;padding:8px 12px;margin:8px 0;max-width:120ch}" +
        ".table{overflow-x:auto;background:#fff;border:1px solid #ddd;border-radius:6px}table{border-collapse:collapse;font-size:12px;width:100%}" +
        "td,th{border:1px solid #e2e2e2;padding:3px 5px;text-align:right;white-space:nowrap}th{background:#f1f1f1;text-align:center;white-space:normal}" +
        "td.l{text-align:left}tr.dense td{background:#f7f7f7;font-weight:bold}tbody tr:hover td{background:#fff8dc}.ci{display:block;color:#777;font-size:10.5px}" +
        "details{margin:10px 0}summary{cursor:pointer;font-weight:bold}.note{font-size:12px;color:#555;margin:6px 0}";

    public static void WriteHtml(IReadOnlyList<StudyResult> studies, string path)
    {
        var html = new StringBuilder();
        static bool SentenceVectorsOnly(IEnumerable<StudyResult> all)
            => all.SelectMany(s => s.Points).All(p => p.PAt1 is null && p.CrowsScore is null && p.StereoSetSs is null)
               && all.SelectMany(s => s.Points).Any(p => p.EmbeddingCosine is not null);
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>MLNet.Compression study</title><style>").Append(Css).Append("</style></head><body>")
            .Append(SentenceVectorsOnly(studies)
                ? "<h1>What compression costs a sentence encoder</h1><p class=\"lead\">Each point's sentence vectors are compared with the dense model's on the same texts: the mean cosine between a text's two vectors, and the rank correlation of their similarities over every pair of texts. Colours and markers mean the same in every chart: "
                : "<h1>What compression costs in knowledge and bias</h1><p class=\"lead\">Knowledge is LAMA P@1; bias is CrowS-Pairs and StereoSet (SS, LMS, ICAT). Colours and markers mean the same in every chart: ")
            .Append("a module group has one colour, marker and dash; dense is a black star; int8, fp16 and the other variants have their own markers ")
            .Append("(hollow in the group's colour when applied to one group). Hover over a marker for its name, settings, value, interval and p vs dense.</p>");
        // Each checkpoint's study names its own folder as the model, so a series is told apart by model type and grid.
        foreach (var series in studies.Where(s => s.Step is not null || s.Progress is not null).GroupBy(s => (s.ModelType, s.Grid)))
            AppendSeries(html, series.OrderBy(s => s.Progress ?? double.MaxValue).ThenBy(s => s.Step ?? long.MaxValue).ToList());
        foreach (var study in studies.Where(s => s.Step is null && s.Progress is null)) AppendStudy(html, study);
        html.Append("</body></html>");
        AtomicFile.WriteAllText(path, html.ToString());
    }

    /// <summary>The group whose pruning lowers P@1 most, averaged over the sparsities all groups share; null without data.</summary>
    public static (string Group, double MeanDrop)[] KnowledgeDropByGroup(StudyResult study)
    {
        var dense = study.Dense?.PAt1;
        if (dense is null) return [];
        var magnitude = study.Points.Where(p => p.Method == "magnitude" && p.PAt1 is not null).ToList();
        var groups = magnitude.Select(p => p.Group).Distinct().ToList();
        if (groups.Count == 0) return [];
        var shared = magnitude.GroupBy(p => p.Sparsity).Where(g => g.Select(p => p.Group).Distinct().Count() == groups.Count).Select(g => g.Key).ToHashSet();
        return groups.Select(g => (g, magnitude.Where(p => p.Group == g && shared.Contains(p.Sparsity)).Select(p => dense.Value - p.PAt1!.Value).DefaultIfEmpty(0).Average()))
            .OrderByDescending(t => t.Item2).ToArray();
    }

    private static void AppendStudy(StringBuilder html, StudyResult s)
    {
        html.Append($"<h2>{ReportText.Html(s.Model)} <small>({ReportText.Html(s.ModelType)}, grid {ReportText.Html(s.Grid)}, {s.Points.Count} points, {s.WallSeconds.ToString("F0", CultureInfo.InvariantCulture)} s)</small></h2>");
        AppendKnowledgeFinding(html, s, "");
        AppendCharts(html, SparsityCharts.For(s));
        html.Append("<h3>Every point</h3>");
        ReportTable.Append(html, s.Points.Select(p => (s, p)), checkpointColumn: false);
        AppendTableNote(html, s);
    }

    private static void AppendSeries(StringBuilder html, IReadOnlyList<StudyResult> series)
    {
        var first = series[0];
        html.Append($"<h2>Pretraining series: {ReportText.Html(first.ModelType)} <small>(grid {ReportText.Html(first.Grid)}, {series.Count} checkpoints: ")
            .Append(ReportText.Html(string.Join(", ", series.Select(CheckpointCharts.Label)))).Append(")</small></h2>");
        if (CheckpointCharts.BestInt8IcatFinding(series) is { } finding) html.Append("<p class=\"finding\">").Append(finding).Append("</p>");
        foreach (var s in series) AppendKnowledgeFinding(html, s, $"At checkpoint {CheckpointCharts.Label(s)}: ");
        AppendCharts(html, CheckpointCharts.For(series));
        foreach (var s in series.Where(SparsityCharts.HasCurves))
        {
            html.Append($"<details><summary>Charts against sparsity at checkpoint {ReportText.Html(CheckpointCharts.Label(s))}</summary>");
            AppendCharts(html, SparsityCharts.For(s));
            html.Append("</details>");
        }
        html.Append("<h3>Every point of every checkpoint</h3>");
        ReportTable.Append(html, series.SelectMany(s => s.Points.Select(p => (s, p))), checkpointColumn: true);
        AppendTableNote(html, first);
    }

    private static void AppendKnowledgeFinding(StringBuilder html, StudyResult s, string prefix)
    {
        var drops = KnowledgeDropByGroup(s);
        if (drops.Length == 0) return;
        html.Append("<p class=\"finding\">").Append(ReportText.Html(prefix)).Append("Magnitude pruning of <b>").Append(ReportText.Html(drops[0].Group))
            .Append("</b> costs the most knowledge: P@1 falls by ").Append(Points(drops[0].MeanDrop)).Append(" points on average over the shared sparsities (")
            .Append(string.Join(", ", drops.Select(d => $"{ReportText.Html(d.Group)} {Points(d.MeanDrop)}"))).Append(").</p>");
    }

    private static void AppendCharts(StringBuilder html, IEnumerable<SvgChart> charts)
    {
        html.Append("<div class=\"charts\">");
        foreach (var c in charts) html.Append(c.ToFigure());
        html.Append("</div>");
    }

    private static void AppendTableNote(StringBuilder html, StudyResult s)
    {
        string bootstrap = s.BootstrapResamples > 0 ? $" ({s.BootstrapResamples} resamples, seed {s.BootstrapSeed})" : "";
        html.Append("<p class=\"note\">Size counts every stored weight: total = linear layers in their stored (pruned or quantized) form + other ")
            .Append("(embeddings, norms, buffers). The grey brackets under each score are its 95% percentile-bootstrap interval").Append(ReportText.Html(bootstrap))
            .Append("; p vs dense is the two-sided paired test against the dense model on the same items (bold below 0.05). ")
            .Append("KL is the mean per-token KL(dense ‖ point) on held-out text; latency is the median forward time of one batch.</p>");
    }

    private static string Points(double drop) => (drop * 100).ToString("F1", CultureInfo.InvariantCulture);
}
