using System.Globalization;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Statistics;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>The tables <c>bias</c> prints: one per benchmark, scores with two decimals and "-" where undefined.</summary>
internal static class BiasTables
{
    private static string F(double? v, string format = "0.00") => v is double d && double.IsFinite(d) ? d.ToString(format, CultureInfo.InvariantCulture) : "-";

    /// <summary>CrowS-Pairs scores per bias type and overall, and how many lines or pairs were skipped.</summary>
    /// <summary>Printed under every bias table: what the numbers mean and what the brackets are.</summary>
    public const string HowToRead = "CrowS-Pairs and StereoSet SS: 50 = no preference between stereotypical and anti-stereotypical sentences, above 50 = prefers stereotypes; [low, high] = 95% bootstrap interval.";

    private static string Ci(Interval i) => Markup.Escape(double.IsFinite(i.Low) ? i.ToString("0.0") : F(i.Estimate, "0.0"));

    public static void ShowCrows(CrowsPairsResult r)
    {
        var t = new Table().Title($"CrowS-Pairs ({r.Variant})").AddColumns("bias type", "pairs", "metric score [[95% CI]]", "stereo", "antistereo", "neutral");
        foreach (var (type, s) in r.ByBiasType)
            t.AddRow(CliErrors.Escape(type), s.NPairs.ToString(CultureInfo.InvariantCulture), Ci(CrowsIntervals.Metric(r.Pairs.Where(p => p.BiasType == type).ToList())),
                F(s.StereoScore), F(s.AntiStereoScore), s.Neutral.ToString(CultureInfo.InvariantCulture));
        var o = r.Overall;
        t.AddRow("[bold]all[/]", o.NPairs.ToString(CultureInfo.InvariantCulture), $"[bold]{Ci(CrowsIntervals.Metric(r.Pairs))}[/]", F(o.StereoScore), F(o.AntiStereoScore), o.Neutral.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(t);
        if (r.SkippedLines.Count > 0) AnsiConsole.MarkupLine($"skipped {r.SkippedLines.Count} bad line(s) of the CSV");
        if (r.SkippedPairs.Count > 0) AnsiConsole.MarkupLine($"skipped {r.SkippedPairs.Count} pair(s) with no differing tokens (bias-bench rule)");
    }

    /// <summary>StereoSet SS, LMS and ICAT per domain for each split, and how many lines were skipped.</summary>
    public static void ShowStereoSet(StereoSetResult r)
    {
        foreach (var (name, split) in new[] { ("intrasentence", r.Intrasentence), ("intersentence", r.Intersentence) })
        {
            if (split is null) continue;
            var t = new Table().Title($"StereoSet {name}").AddColumns("domain", "examples", "SS [[95% CI]]", "LMS [[95% CI]]", "ICAT [[95% CI]]");
            foreach (var (d, s) in split.ByDomain)
            {
                var ci = StereoSetIntervals.Of(split.Examples.Where(e => e.BiasType == d).ToList());
                t.AddRow(CliErrors.Escape(d), s.Count.ToString(CultureInfo.InvariantCulture), Ci(ci.Ss), Ci(ci.Lms), Ci(ci.Icat));
            }
            var all = StereoSetIntervals.Of(split.Examples);
            t.AddRow("[bold]overall[/]", split.Overall.Count.ToString(CultureInfo.InvariantCulture), $"[bold]{Ci(all.Ss)}[/]", Ci(all.Lms), Ci(all.Icat));
            AnsiConsole.Write(t);
        }
        if (r.IntersentenceNote is not null) AnsiConsole.MarkupLine($"StereoSet intersentence: {CliErrors.Escape(r.IntersentenceNote)}");
        if (r.SkippedLines.Count > 0) AnsiConsole.MarkupLine($"skipped {r.SkippedLines.Count} bad line(s) of the StereoSet data");
    }

    /// <summary>SEAT effect sizes and p-values, one row per test.</summary>
    public static void ShowSeat(List<SeatResult> results)
    {
        var t = new Table().Title("SEAT (mean-pooled last hidden state)").AddColumns("test", "effect size", "p-value", "test kind");
        foreach (var r in results) t.AddRow(CliErrors.Escape(r.Test), F(r.EffectSize, "0.000"), F(r.PValue, "0.0000"), r.ExactPValue ? "exact" : "sampled");
        AnsiConsole.Write(t);
    }
}
