using MLNet.Compression.Reporting;
using MLNet.Compression.Study;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>The table <c>study</c> and <c>demo</c> print for each model: knowledge, bias and size per grid point.</summary>
internal static class StudyTable
{
    /// <summary>
    /// Writes a row per grid point (the columns the study measured: knowledge, bias, perplexity, sentence-vector agreement)
    /// and the group whose pruning costs the most knowledge.
    /// </summary>
    public static void Show(StudyResult r)
    {
        string N(double? v, string f) => v is null ? "–" : v.Value.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        // A score with its 95% interval and, for compressed points, a mark when the paired test against dense gives p < 0.05.
        string E(StudyPoint p, string key, double? value, string f)
        {
            if (!p.Intervals.TryGetValue(key, out var e)) return N(value, f);
            string s = $"{N(e.Value, f)} [{N(e.CiLow, f)}, {N(e.CiHigh, f)}]";
            return Markup.Escape(e.PVsBase is < 0.05 ? s + " *" : s);
        }
        var columns = new List<(string Header, Func<StudyPoint, double?> Has, Func<StudyPoint, string> Cell)>
        {
            ("P@1", p => p.PAt1, p => E(p, "p_at_1", p.PAt1, "F3")),
            ("frequent", p => p.PAt1Frequent, p => E(p, "p_at_1_frequent", p.PAt1Frequent, "F3")),
            ("rare", p => p.PAt1Rare, p => E(p, "p_at_1_rare", p.PAt1Rare, "F3")),
            ("CrowS", p => p.CrowsScore, p => E(p, "crows", p.CrowsScore, "F1")),
            ("SS", p => p.StereoSetSs, p => E(p, "ss", p.StereoSetSs, "F1")),
            ("ICAT", p => p.StereoSetIcat, p => E(p, "icat", p.StereoSetIcat, "F1")),
            ("ppl", p => p.Perplexity, p => N(p.Perplexity, "F2")),
            ("cosine to dense", p => p.EmbeddingCosine, p => E(p, "embedding_cosine", p.EmbeddingCosine, "F4")),
            ("similarity ρ", p => p.EmbeddingSpearman, p => E(p, "embedding_spearman", p.EmbeddingSpearman, "F4")),
        };
        // A column nobody measured is left out, except the knowledge and bias ones of an LM study (shown as – when absent).
        bool embeddingOnly = r.Points.All(p => p.PAt1 is null) && r.Points.Any(p => p.EmbeddingCosine is not null);
        columns = columns.Where(c => embeddingOnly ? r.Points.Any(p => c.Has(p) is not null) : c.Header is not ("cosine to dense" or "similarity ρ") || r.Points.Any(p => c.Has(p) is not null)).ToList();
        var t = new Table().Title(Markup.Escape($"{r.ModelType}: {r.Model}")).AddColumn("point");
        foreach (var c in columns) t.AddColumn(new TableColumn(c.Header).RightAligned());
        t.AddColumn(new TableColumn("size (all weights)").RightAligned());
        foreach (var p in r.Points)
            t.AddRow([Markup.Escape(p.Name), .. columns.Select(c => c.Cell(p)), $"{p.SizeBytes / 1048576.0:F2} MiB"]);
        AnsiConsole.Write(t);
        AnsiConsole.WriteLine("[low, high] = 95% bootstrap interval; * = differs from dense on the same items (paired test, p < 0.05)."
            + (r.Points.Any(p => p.CrowsScore is not null || p.StereoSetSs is not null) ? " " + BiasTables.HowToRead.Split(';')[0] + "." : "")
            + (r.Points.Any(p => p.EmbeddingCosine is not null) ? " Sentence vectors: cosine to dense and the rank correlation of pairwise similarities, 1 = unchanged." : ""));
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
