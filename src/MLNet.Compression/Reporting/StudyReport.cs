using System.Globalization;
using System.Net;
using System.Text;
using MLNet.Compression.IO;
using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>
/// report.html for one or more studies: charts of knowledge and bias against sparsity per module group, the int8 points,
/// size against knowledge, a table of every point, and a sentence saying which group costs most knowledge.
/// One file, inline SVG and CSS, viewable offline.
/// </summary>
public static class StudyReport
{
    public static void WriteHtml(IReadOnlyList<StudyResult> studies, string path)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>MLNet.Compression study</title><style>")
            .Append("body{font-family:sans-serif;margin:24px;max-width:1250px}h1{font-size:22px}h2{margin-top:32px}")
            .Append(".charts{display:flex;flex-wrap:wrap;gap:12px}table{border-collapse:collapse;font-size:12px}")
            .Append("td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}")
            .Append(".finding{background:#f6f8ff;border-left:4px solid #1f77b4;padding:8px 12px}</style></head><body>")
            .Append("<h1>What compression costs in knowledge and bias</h1>");
        foreach (var study in studies) AppendStudy(html, study);
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
        html.Append($"<h2>{E(s.Model)} <small>({E(s.ModelType)}, grid {E(s.Grid)}, {s.Points.Count} points, {s.WallSeconds:F0} s)</small></h2>");
        var drops = KnowledgeDropByGroup(s);
        if (drops.Length > 0)
        {
            html.Append("<p class=\"finding\">Magnitude pruning of <b>").Append(E(drops[0].Group)).Append("</b> costs the most knowledge: P@1 falls by ")
                .Append(P(drops[0].MeanDrop)).Append(" points on average over the shared sparsities (")
                .Append(string.Join(", ", drops.Select(d => $"{E(d.Group)} {P(d.MeanDrop)}"))).Append(").</p>");
        }
        var magnitude = s.Points.Where(p => p.Method == "magnitude").GroupBy(p => p.Group).ToList();
        ChartSeries Line(IGrouping<string, StudyPoint> g, Func<StudyPoint, double?> y) =>
            new(g.Key, g.Where(p => y(p) is not null).Select(p => (p.Sparsity, y(p)!.Value)).Prepend(s.Dense is { } d && y(d) is { } dv ? (0.0, dv) : (double.NaN, double.NaN)).ToList());

        var charts = new List<SvgChart>();
        var knowledge = new SvgChart { Title = "Knowledge vs sparsity (magnitude, global)", XLabel = "sparsity", YLabel = "LAMA P@1", YMin = 0 };
        foreach (var g in magnitude) knowledge.Series.Add(Line(g, p => p.PAt1));
        charts.Add(knowledge);
        if (s.Points.Any(p => p.PAt1Frequent is not null))
        {
            var freq = new SvgChart { Title = "Frequent vs rare facts (magnitude)", XLabel = "sparsity", YLabel = "P@1", YMin = 0 };
            foreach (var g in magnitude)
            {
                freq.Series.Add(Line(g, p => p.PAt1Frequent) with { Name = g.Key + " frequent" });
                freq.Series.Add(Line(g, p => p.PAt1Rare) with { Name = g.Key + " rare" });
            }
            charts.Add(freq);
        }
        if (s.Points.Any(p => p.CrowsScore is not null))
        {
            var crows = new SvgChart { Title = "CrowS-Pairs vs sparsity", XLabel = "sparsity", YLabel = "metric score (%)", ReferenceLine = (50, "no preference") };
            foreach (var g in magnitude) crows.Series.Add(Line(g, p => p.CrowsScore));
            charts.Add(crows);
        }
        if (s.Points.Any(p => p.StereoSetSs is not null))
        {
            var ss = new SvgChart { Title = "StereoSet SS vs sparsity", XLabel = "sparsity", YLabel = "stereotype score", ReferenceLine = (50, "ideal") };
            foreach (var g in magnitude) ss.Series.Add(Line(g, p => p.StereoSetSs));
            charts.Add(ss);
        }
        var size = new SvgChart { Title = "Size vs knowledge (every point)", XLabel = "size (MiB)", YLabel = "LAMA P@1", YMin = 0 };
        foreach (var m in s.Points.GroupBy(p => p.Method))
            size.Series.Add(new ChartSeries(m.Key, m.Where(p => p.PAt1 is not null).Select(p => (p.SizeBytes / 1048576.0, p.PAt1!.Value)).ToList(), Line: false));
        charts.Add(size);
        html.Append("<div class=\"charts\">");
        foreach (var c in charts) html.Append(c.ToSvg());
        html.Append("</div>");

        html.Append("<h3>Every point</h3><table><tr><th>point</th><th>method</th><th>group</th><th>sparsity</th><th>bits</th><th>P@1</th><th>P@1 frequent</th><th>P@1 rare</th><th>CrowS</th><th>SS</th><th>LMS</th><th>ICAT</th><th>size</th><th>latency</th></tr>");
        foreach (var p in s.Points)
            html.Append($"<tr><td>{E(p.Name)}</td><td>{E(p.Method)}</td><td>{E(p.Group)}</td><td>{p.Sparsity:0.00}</td><td>{p.Bits}</td><td>{N(p.PAt1, 3)}</td><td>{N(p.PAt1Frequent, 3)}</td><td>{N(p.PAt1Rare, 3)}</td><td>{N(p.CrowsScore, 1)}</td><td>{N(p.StereoSetSs, 1)}</td><td>{N(p.StereoSetLms, 1)}</td><td>{N(p.StereoSetIcat, 1)}</td><td>{p.SizeBytes / 1048576.0:F2} MiB</td><td>{p.LatencyMs:F1} ms</td></tr>");
        html.Append("</table>");
    }

    private static string N(double? v, int digits) => v is null ? "–" : v.Value.ToString("F" + digits, CultureInfo.InvariantCulture);
    private static string P(double drop) => (drop * 100).ToString("F1", CultureInfo.InvariantCulture);
    private static string E(string s) => WebUtility.HtmlEncode(s);
}
