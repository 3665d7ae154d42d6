using MLNet.Compression.Reporting;
using MLNet.Compression.Study;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>The table <c>study</c> and <c>demo</c> print for each model: knowledge, bias and size per grid point.</summary>
internal static class StudyTable
{
    /// <summary>Writes a row per grid point and the group whose pruning costs the most knowledge.</summary>
    public static void Show(StudyResult r)
    {
        var t = new Table().Title(Markup.Escape($"{r.ModelType}: {r.Model}"))
            .AddColumn("point").AddColumn(new TableColumn("P@1").RightAligned()).AddColumn(new TableColumn("frequent").RightAligned())
            .AddColumn(new TableColumn("rare").RightAligned()).AddColumn(new TableColumn("CrowS").RightAligned()).AddColumn(new TableColumn("SS").RightAligned())
            .AddColumn(new TableColumn("ICAT").RightAligned()).AddColumn(new TableColumn("ppl").RightAligned())
            .AddColumn(new TableColumn("size (all weights)").RightAligned());
        string N(double? v, string f) => v is null ? "–" : v.Value.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        // A score with its 95% interval and, for compressed points, a mark when the paired test against dense gives p < 0.05.
        string E(StudyPoint p, string key, double? value, string f, double scale = 1)
        {
            if (!p.Intervals.TryGetValue(key, out var e)) return N(value, f);
            string s = $"{N(e.Value * scale, f)} [{N(e.CiLow * scale, f)}, {N(e.CiHigh * scale, f)}]";
            return Markup.Escape(e.PVsBase is < 0.05 ? s + " *" : s);
        }
        foreach (var p in r.Points)
            t.AddRow(Markup.Escape(p.Name), E(p, "p_at_1", p.PAt1, "F3"), E(p, "p_at_1_frequent", p.PAt1Frequent, "F3"), E(p, "p_at_1_rare", p.PAt1Rare, "F3"),
                E(p, "crows", p.CrowsScore, "F1"), E(p, "ss", p.StereoSetSs, "F1"), E(p, "icat", p.StereoSetIcat, "F1"), N(p.Perplexity, "F2"),
                $"{p.SizeBytes / 1048576.0:F2} MiB");
        AnsiConsole.Write(t);
        AnsiConsole.WriteLine("[low, high] = 95% bootstrap interval; * = differs from dense on the same items (paired test, p < 0.05). " + BiasTables.HowToRead.Split(';')[0] + ".");
        var drops = StudyReport.KnowledgeDropByGroup(r);
        if (drops.Length > 0)
            AnsiConsole.MarkupLine($"Magnitude pruning of [bold]{Markup.Escape(drops[0].Group)}[/] costs the most knowledge (mean P@1 drop {drops[0].MeanDrop * 100:F1} points).");
    }

    /// <summary>A pretraining series: one row per checkpoint and variant, bias against progress, and where int8's ICAT is best.</summary>
    public static void ShowSeries(IReadOnlyList<StudyResult> series)
    {
        string N(double? v, string f) => v is null ? "–" : v.Value.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        string E(StudyPoint p, string key, double? value, string f)
            => p.Intervals.TryGetValue(key, out var e) ? Markup.Escape($"{N(e.Value, f)} [{N(e.CiLow, f)}, {N(e.CiHigh, f)}]{(e.PVsBase is < 0.05 ? " *" : "")}") : N(value, f);
        var t = new Table().Title("pretraining series").AddColumn("checkpoint").AddColumn(new TableColumn("progress").RightAligned()).AddColumn("point")
            .AddColumn(new TableColumn("CrowS").RightAligned()).AddColumn(new TableColumn("SS").RightAligned()).AddColumn(new TableColumn("ICAT").RightAligned())
            .AddColumn(new TableColumn("P@1").RightAligned()).AddColumn(new TableColumn("ppl").RightAligned());
        foreach (var r in series)
            foreach (var p in r.Points)
                t.AddRow(Markup.Escape(r.Checkpoint ?? r.Model), r.Progress is double g ? $"{g:P0}" : "–", Markup.Escape(p.Name),
                    E(p, "crows", p.CrowsScore, "F1"), E(p, "ss", p.StereoSetSs, "F1"), E(p, "icat", p.StereoSetIcat, "F1"), E(p, "p_at_1", p.PAt1, "F3"), N(p.Perplexity, "F2"));
        AnsiConsole.Write(t);
        var best = series.Select(r => (r, p: r.Points.FirstOrDefault(p => p.Method == "dynamic-int8")))
            .Where(x => x.p?.StereoSetIcat is not null).OrderByDescending(x => x.p!.StereoSetIcat).FirstOrDefault();
        if (best.p is not null)
            AnsiConsole.MarkupLine(Markup.Escape($"int8's ICAT trade-off is best at {best.r.Checkpoint} ({(best.r.Progress is double pr ? $"{pr:P0} of training" : "progress unknown")}): ICAT {best.p.StereoSetIcat:F1} against dense {best.r.Dense?.StereoSetIcat:F1}."));
    }
}
