using System.Globalization;
using System.Text;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.IO;
using MLNet.Compression.Reporting;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// report.html of a search: what was searched and how it stopped; the best plan against dense (and uniform plans) on the
/// report split with intervals and paired tests; the Pareto front; the best loss against trials; the best plan per layer;
/// the layer sensitivities; the five best trials; and how to read it all. One file with inline SVG and CSS in the study
/// report's style, viewable offline; every text from the study is escaped.
/// </summary>
public static class SearchReportPage
{
    private const string ExtraCss = ".facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:14px;margin:8px 0 4px}.facts dt{color:#555}.facts dd{margin:0}" +
                                    "ul.read{max-width:120ch;font-size:14px;line-height:1.45}";

    public static string Html(ExperimentResult r)
    {
        var trials = MeasuredTrial.All(r);
        var size = SizeScale.Of(r);
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append($"<title>search {ReportText.Html(r.Study)}</title><style>").Append(StudyReport.Css).Append(ExtraCss).Append("</style></head><body>")
            .Append($"<h1>Compression search: {ReportText.Html(r.Study)}</h1>");
        AppendHeader(html, r, size);
        AppendBest(html, r, trials);

        html.Append("<h2>Best plan against dense on the report split</h2>");
        ReportSplitSection.Append(html, r.Report);

        html.Append("<h2>Search <small>(numbers on the search split)</small></h2>");
        var charts = new List<string>();
        if (ParetoChart.For(r, trials, size) is { } pareto) charts.Add(pareto.ToFigure());
        if (BestSoFarChart.For(trials) is { } progress) charts.Add(progress.ToFigure());
        if (charts.Count > 0) html.Append("<div class=\"charts\">").Append(string.Concat(charts)).Append("</div>");
        else html.Append("<p class=\"note\">No trial was measured, so there is nothing to chart.</p>");

        html.Append("<h2>Best plan per layer</h2>");
        if (r.BestPlan is { } plan)
        {
            var bytes = plan.Rows().ToDictionary(x => x.Layer, x => x.Bytes, StringComparer.Ordinal);
            var heat = PlanHeatmap.For(plan.Settings, layer => r.Space?.Layers.TryGetValue(layer, out var l) == true ? l.Role : null,
                layer => bytes.TryGetValue(layer, out long b) ? b : null);
            html.Append("<div class=\"charts\">").Append(heat.ToFigure()).Append("</div>");
        }
        else html.Append("<p class=\"note\">No plan kept every bound, so there is no best plan to show.</p>");

        html.Append("<h2>Layer sensitivity</h2>");
        if (r.Sensitivity is { Units.Count: > 0 } sens)
        {
            var heat = SensitivityHeatmap.For(sens);
            // A large model's table runs to hundreds of rows: folded, it does not push the trials table off the page.
            bool fold = sens.Units.Count > 60;
            html.Append(fold ? $"<details><summary>{sens.Units.Count} units × {heat.Columns.Count} settings</summary>" : "")
                .Append("<div class=\"charts\">").Append(heat.ToFigure()).Append("</div>").Append(fold ? "</details>" : "");
        }
        else html.Append("<p class=\"note\">No sensitivity pass was run (--no-sensitivity, or a resumed study without one).</p>");

        html.Append("<h2>Five best trials <small>(search split, least loss first)</small></h2>");
        TopTrialsTable.Append(html, trials, r.Best?.Id);
        AppendHowToRead(html);
        html.Append("</body></html>");
        return html.ToString();
    }

    public static void Write(ExperimentResult r, string path) => AtomicFile.WriteAllText(path, Html(r));

    private static void AppendHeader(StringBuilder html, ExperimentResult r, SizeScale size)
    {
        var inv = CultureInfo.InvariantCulture;
        int Count(TrialStatus s) => r.Trials.Count(t => t.Status == s);
        int open = Count(TrialStatus.Queued) + Count(TrialStatus.Running);
        string limit = !SizeScale.HasLimit(r) ? "none (the search minimised size inside the knowledge and bias bounds)"
            : $"{(size.LimitBitsPerWeight(r) is double b ? b.ToString("0.00", inv) + " bits/weight = " : "")}{r.SearchedLimit.ToString("N0", inv)} bytes of the searched layers" +
              (r.DenseSearchedBytes > 0 ? $" ({(100.0 * r.SearchedLimit / r.DenseSearchedBytes).ToString("0.0", inv)}% of their dense {r.DenseSearchedBytes.ToString("N0", inv)} bytes)" : "");
        html.Append("<dl class=\"facts\">")
            .Append($"<dt>study</dt><dd>{ReportText.Html(r.Study)} in {ReportText.Html(r.Storage)}</dd>")
            .Append($"<dt>tuner</dt><dd>{ReportText.Html(r.Tuner)}</dd>")
            .Append($"<dt>trials</dt><dd>{r.Trials.Count}: {Count(TrialStatus.Finished)} finished, {Count(TrialStatus.Pruned)} stopped early (ASHA), {Count(TrialStatus.Failed)} failed")
            .Append(open > 0 ? $", {open} queued or running" : "").Append($"; {r.TrialsRunHere} run by this process</dd>")
            .Append($"<dt>time</dt><dd>{r.WallSeconds.ToString("0", inv)} s; stopped by {ReportText.Html(r.StoppedBy)}</dd>")
            .Append($"<dt>size limit</dt><dd>{ReportText.Html(limit)}</dd>")
            .Append("</dl>");
    }

    private static void AppendBest(StringBuilder html, ExperimentResult r, IReadOnlyList<MeasuredTrial> trials)
    {
        var inv = CultureInfo.InvariantCulture;
        if (r.Best is not { } best || trials.FirstOrDefault(t => t.Trial.Id == best.Id) is not { } b)
        {
            html.Append("<p class=\"finding\"><b>No trial kept every bound</b>: nothing is reported as best. The charts below show how far the trials were from the bounds.</p>");
            return;
        }
        var m = b.Metrics;
        html.Append($"<p class=\"finding\">Best plan: <b>trial #{best.Id}</b>, {ReportText.Html(m.Plan)} — {m.BitsPerWeight.ToString("0.00", inv)} bits/weight over the searched layers ")
            .Append($"({(m.SizeFraction * 100).ToString("0.0", inv)}% of dense), whole model {m.ModelBytes.ToString("N0", inv)} bytes.");
        var dense = r.Report.FirstOrDefault(x => x.Name == "dense");
        var rep = r.Report.FirstOrDefault(x => x.Name == "best plan");
        if (dense?.PAt1 is { } denseP && rep?.PAt1 is { } repP)
            html.Append($" On the report split its LAMA P@1 is {Pct(repP.Value)} [{Pct(repP.CiLow)}, {Pct(repP.CiHigh)}] against dense {Pct(denseP.Value)}")
                .Append(repP.PVsBase is double p ? $" (p = {ReportText.Html(ReportText.PValue(p))})" : "").Append('.')
                .Append(rep.Retained is { } kept ? $" It keeps {Pct(kept.Value)} [{Pct(kept.CiLow)}, {Pct(kept.CiHigh)}] of the facts dense knows there." : "");
        if (rep?.EmbeddingCosine is { } cos)
            html.Append($" On the report split's {rep.NTexts} texts its sentence vectors have a mean cosine of {cos.Value.ToString("0.0000", inv)} [{cos.CiLow.ToString("0.0000", inv)}, {cos.CiHigh.ToString("0.0000", inv)}] to dense's")
                .Append(rep.EmbeddingSpearman is { } sp ? $", and their pairwise similarities rank as dense's do with Spearman {sp.Value.ToString("0.000", inv)} [{sp.CiLow.ToString("0.000", inv)}, {sp.CiHigh.ToString("0.000", inv)}]." : ".");
        html.Append("</p>");
    }

    private static void AppendHowToRead(StringBuilder html) => html.Append("<h2>How to read this report</h2><ul class=\"read\">")
        .Append("<li><b>Two splits.</b> The facts, embedding texts and bias items are split once: the <i>search split</i> is what every trial was measured on and what the tuner optimised, ")
        .Append("so the best plan's numbers there are optimistic (it was chosen for them). The <i>report split</i> was never seen during the search; ")
        .Append("the first table measures the best plan there, with 95% bootstrap intervals and a paired test against dense on the same items.</li>")
        .Append("<li><b>Pruned trials.</b> The search uses ASHA: a trial is first measured on a small share of the search split (rung 0), and only the better ones ")
        .Append("go on to larger shares. A trial \"stopped early\" (status <i>pruned</i>) was not good enough at a rung; it has nothing to do with pruning weights. ")
        .Append("Its numbers come from a smaller share and are noisier, so the Pareto chart and the best-so-far line use finished trials only.</li>")
        .Append("<li><b>Bounds.</b> A trial is <i>in bounds</i> when it keeps the size limit, the largest knowledge drop and the largest bias shift given; ")
        .Append("the best plan is the in-bounds trial with the least loss. Knowledge drop is dense minus compressed (negative = more facts recalled than dense; ")
        .Append("for the embedding cosine, 1 minus the mean cosine of the plan's sentence vectors to dense's); ")
        .Append("bias shift is the larger change of the CrowS-Pairs and StereoSet SS scores, in points.</li>")
        .Append("<li>Hover over any marker or cell for its trial, plan, layer and numbers.</li></ul>");

    private static string Pct(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
