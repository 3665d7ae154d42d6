using System.Globalization;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.Study;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>
/// The end of `search`: a box with the best plan against dense on the report split (items the search never measured),
/// each number with its 95% interval and the paired test against dense, the trial counts and time; then the five best
/// trials, and the uniform plans compared when asked.
/// </summary>
public static class SearchSummary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Show(ExperimentResult r)
    {
        var lines = new List<string>();
        int finished = r.Trials.Count(t => t.Status == TrialStatus.Finished), pruned = r.Trials.Count(t => t.Status == TrialStatus.Pruned), failed = r.Trials.Count(t => t.Status == TrialStatus.Failed);
        if (r.Best is { } best && ExperimentResult.MetricsOf(best) is { } m)
        {
            lines.Add($"[bold]best plan[/]: trial #{best.Id}  {Markup.Escape(m.Plan)}");
            lines.Add($"  {m.BitsPerWeight.ToString("0.00", Inv)} bits/weight over the searched layers, {ByteSize.Format(m.SearchedBytes)} = {(100 * m.SizeFraction).ToString("0.0", Inv)}% of dense; whole model {ByteSize.Format(m.ModelBytes)}");
        }
        else lines.Add("[yellow]no trial kept every bound[/]: nothing is reported as best (see the trials in results.json).");
        var dense = r.Report.FirstOrDefault(x => x.Name == "dense");
        var bestReport = r.Report.FirstOrDefault(x => x.Name == "best plan");
        if (dense is not null && bestReport is not null)
        {
            string items = string.Join(" and ", new[] { bestReport.PAt1 is null ? null : $"{bestReport.NFacts} facts", bestReport.NTexts is int n ? $"{n} texts" : null }.OfType<string>());
            bool tested = bestReport.PAt1 is not null || bestReport.Crows is not null || bestReport.Ss is not null;
            lines.Add($"[bold]report split[/] ({items} the search never measured; 95% intervals{(tested ? "; p: paired test against dense" : "")}):");
            if (dense.PAt1 is { } dp && bestReport.PAt1 is { } bp) lines.Add("  " + Compare("LAMA P@1", dp, bp, "0.000"));
            if (bestReport.Retained is { } kept && dense.PAt1 is { } dk)
                lines.Add($"  {"facts kept",-13} {Estimate(kept, "0.000")} of the {Math.Round(dk.Value * dense.NFacts)} facts dense knows");
            if (bestReport.EmbeddingCosine is { } cos) lines.Add($"  {"emb. cosine",-13} {Estimate(cos, "0.0000")} to dense's sentence vectors");
            if (bestReport.EmbeddingSpearman is { } sp) lines.Add($"  {"sim. Spearman",-13} {Estimate(sp, "0.000")} (pairwise similarities ranked as dense's)");
            if (dense.Crows is { } dc && bestReport.Crows is { } bc) lines.Add("  " + Compare("CrowS-Pairs", dc, bc, "0.0"));
            if (dense.Ss is { } ds && bestReport.Ss is { } bs) lines.Add("  " + Compare("StereoSet SS", ds, bs, "0.0"));
        }
        lines.Add($"[bold]trials[/]: {finished} finished, {pruned} stopped early (ASHA), {failed} failed; {r.TrialsRunHere} run by this process; {r.WallSeconds.ToString("0", Inv)} s; stopped by {Markup.Escape(r.StoppedBy)}");
        AnsiConsole.Write(new Panel(new Markup(string.Join("\n", lines))).Header($"search {Markup.Escape(r.Study)} ({Markup.Escape(r.Tuner)})").Border(BoxBorder.Rounded));

        var top = r.Trials.Select(t => (T: t, M: ExperimentResult.MetricsOf(t))).Where(x => x.M is { Evaluated: true } && x.T.Status == TrialStatus.Finished)
            .OrderBy(x => x.M!.Loss).Take(5).ToList();
        if (top.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("five best trials (search split)");
            // Embedding cosines of near-lossless plans differ in the fourth decimal, so their drops get five.
            foreach (var c in new[] { "trial", "plan", "bits/w", "knowledge drop", "bias shift", "in bounds", "loss" }) table.AddColumn(c);
            foreach (var (t, mm) in top)
                table.AddRow(t.Id.ToString(Inv), Markup.Escape(mm!.Plan), mm.BitsPerWeight.ToString("0.00", Inv), (mm.KnowledgeDrop ?? 0).ToString(mm.EmbeddingCosine is not null && mm.Knowledge == mm.EmbeddingCosine ? "+0.00000;-0.00000" : "+0.000;-0.000", Inv),
                    mm.BiasShift?.ToString("0.0", Inv) ?? "", mm.Feasible ? "yes" : "no", mm.Loss.ToString("0.0000", Inv));
            AnsiConsole.Write(table);
        }

        var uniform = r.Report.Where(x => x.Name.StartsWith("uniform", StringComparison.Ordinal)).ToList();
        if (uniform.Count > 0 && dense is not null)
        {
            var table = new Table().Border(TableBorder.Simple).Title("report split: best plan against uniform plans that fit the budget");
            if (dense.PAt1 is not null)
            {
                foreach (var c in new[] { "plan", "bits/w", "facts kept [[95% CI]]", "LAMA P@1 [[95% CI]]", "vs dense p" }) table.AddColumn(c);
                foreach (var x in new[] { dense }.Concat(bestReport is null ? [] : [bestReport]).Concat(uniform.OrderByDescending(u => u.Retained?.Value ?? u.PAt1?.Value)))
                    table.AddRow(Markup.Escape(x.Name), x.BitsPerWeight.ToString("0.00", Inv), x.Retained is { } k ? Estimate(k, "0.000") : "1",
                        x.PAt1 is { } p ? Estimate(p, "0.000") : "", x.PAt1?.PVsBase?.ToString("0.000", Inv) ?? "");
            }
            else
            {
                foreach (var c in new[] { "plan", "bits/w", "embedding cosine [[95% CI]]", "similarity Spearman [[95% CI]]" }) table.AddColumn(c);
                foreach (var x in new[] { dense }.Concat(bestReport is null ? [] : [bestReport]).Concat(uniform.OrderByDescending(u => u.EmbeddingCosine?.Value)))
                    table.AddRow(Markup.Escape(x.Name), x.BitsPerWeight.ToString("0.00", Inv), x.EmbeddingCosine is { } c ? Estimate(c, "0.0000") : "",
                        x.EmbeddingSpearman is { } sp ? Estimate(sp, "0.000") : "");
            }
            AnsiConsole.Write(table);
        }
    }

    private static string Estimate(StudyEstimate e, string format) => $"{e.Value.ToString(format, Inv)} [[{e.CiLow.ToString(format, Inv)}, {e.CiHigh.ToString(format, Inv)}]]";

    private static string Compare(string what, StudyEstimate dense, StudyEstimate best, string format)
        => $"{what,-13} dense {Estimate(dense, format)} → best {Estimate(best, format)}  (change {(best.Value - dense.Value).ToString("+" + format + ";-" + format, Inv)}{(best.PVsBase is double p ? $", p = {p.ToString("0.000", Inv)}" : "")})";
}
