using System.Globalization;
using System.Text;
using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>The table of every point: what it is, its size split into what it counts, and each score with its 95% interval and p vs dense.</summary>
internal static class ReportTable
{
    /// <summary>Appends the table for <paramref name="rows"/>; <paramref name="checkpointColumn"/> adds the checkpoint of each row (for a pretraining series).</summary>
    public static void Append(StringBuilder html, IEnumerable<(StudyResult Study, StudyPoint Point)> rows, bool checkpointColumn)
    {
        var list = rows.ToList();
        bool embedding = list.Any(r => r.Point.EmbeddingCosine is not null);
        // A study of a bare encoder measures sentence vectors only: the language-model columns would all be empty.
        bool lm = !embedding || list.Any(r => r.Point.PAt1 is not null || r.Point.CrowsScore is not null || r.Point.StereoSetSs is not null || r.Point.Perplexity is not null);
        html.Append("<div class=\"table\"><table><thead><tr>");
        if (checkpointColumn) html.Append("<th rowspan=\"2\">checkpoint</th>");
        html.Append("<th rowspan=\"2\">point</th><th rowspan=\"2\">sparsity</th><th rowspan=\"2\">bits</th><th colspan=\"3\">size (MiB)</th>")
            .Append(lm ? "<th colspan=\"3\">LAMA P@1 (%)</th><th colspan=\"2\">CrowS-Pairs</th><th colspan=\"2\">StereoSet SS</th>" : "")
            .Append(lm ? "<th rowspan=\"2\">LMS</th><th rowspan=\"2\">ICAT</th><th rowspan=\"2\">perplexity</th><th rowspan=\"2\">KL from dense</th>" : "")
            .Append(embedding ? "<th rowspan=\"2\">cosine to dense</th><th rowspan=\"2\">similarity ρ</th>" : "")
            .Append("<th rowspan=\"2\">latency (ms)</th></tr>")
            .Append("<tr><th>total</th><th>linear</th><th>other</th>")
            .Append(lm ? "<th>all</th><th>frequent</th><th>rare</th><th>score</th><th>p vs dense</th><th>score</th><th>p vs dense</th>" : "")
            .Append("</tr></thead><tbody>");
        foreach (var (s, p) in list)
        {
            html.Append(p.Method == "dense" ? "<tr class=\"dense\">" : "<tr>");
            if (checkpointColumn) html.Append($"<td class=\"l\">{ReportText.Html(CheckpointCharts.Label(s))}</td>");
            // The name already says method and group ("magnitude ffn 0.5"); the hover gives both spelled out.
            html.Append($"<td class=\"l\" title=\"{ReportText.Html($"method {p.Method}, group {p.Group}")}\">{ReportText.Html(p.Name)}</td>")
                .Append($"<td>{p.Sparsity.ToString("0.00", CultureInfo.InvariantCulture)}</td><td>{p.Bits}</td>")
                .Append($"<td>{ReportText.MiB(p.SizeBytes)}</td><td>{ReportText.MiB(p.LinearBytes)}</td><td>{ReportText.MiB(p.OtherBytes)}</td>");
            if (lm)
                html.Append($"<td>{Cell(ReportMetric.PAt1, p)}</td><td>{Cell(ReportMetric.PAt1Frequent, p)}</td><td>{Cell(ReportMetric.PAt1Rare, p)}</td>")
                    .Append($"<td>{Cell(ReportMetric.Crows, p)}</td><td>{P(ReportMetric.Crows, p)}</td><td>{Cell(ReportMetric.Ss, p)}</td><td>{P(ReportMetric.Ss, p)}</td>")
                    .Append($"<td>{Cell(ReportMetric.Lms, p)}</td><td>{Cell(ReportMetric.Icat, p)}</td>")
                    .Append($"<td>{ReportText.Num(p.Perplexity, 2)}</td><td>{ReportText.Num(p.KlFromDense, 4)}</td>");
            html
                .Append(embedding ? $"<td>{Cell(ReportMetric.EmbeddingCosine, p)}</td><td>{Cell(ReportMetric.EmbeddingSpearman, p)}</td>" : "")
                .Append($"<td>{ReportText.Num(p.LatencyMs, 1)}</td></tr>");
        }
        html.Append("</tbody></table></div>");
    }

    /// <summary>The value in full and its interval in smaller grey type, so a column of values stays easy to scan.</summary>
    private static string Cell(ReportMetric m, StudyPoint p)
    {
        if (m.Of(p) is not double v) return "–";
        string value = ReportText.Num(v, m.Digits);
        return m.Estimate(p) is { } e
            ? $"{value} <span class=\"ci\">[{ReportText.Num(e.CiLow * m.Scale, m.Digits)}, {ReportText.Num(e.CiHigh * m.Scale, m.Digits)}]</span>"
            : value;
    }

    /// <summary>The p-value against dense, bold below 0.05.</summary>
    private static string P(ReportMetric m, StudyPoint p) =>
        m.Estimate(p) is { PVsBase: double pv } ? (pv < 0.05 ? $"<b>{ReportText.Html(ReportText.PValue(pv))}</b>" : ReportText.Html(ReportText.PValue(pv))) : "–";
}
