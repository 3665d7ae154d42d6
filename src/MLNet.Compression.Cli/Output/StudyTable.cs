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
            .AddColumn(new TableColumn("size").RightAligned());
        string N(double? v, string f) => v is null ? "–" : v.Value.ToString(f, System.Globalization.CultureInfo.InvariantCulture);
        foreach (var p in r.Points)
            t.AddRow(Markup.Escape(p.Name), N(p.PAt1, "F3"), N(p.PAt1Frequent, "F3"), N(p.PAt1Rare, "F3"), N(p.CrowsScore, "F1"), N(p.StereoSetSs, "F1"), $"{p.SizeBytes / 1048576.0:F2} MiB");
        AnsiConsole.Write(t);
        var drops = StudyReport.KnowledgeDropByGroup(r);
        if (drops.Length > 0)
            AnsiConsole.MarkupLine($"Magnitude pruning of [bold]{Markup.Escape(drops[0].Group)}[/] costs the most knowledge (mean P@1 drop {drops[0].MeanDrop * 100:F1} points).");
    }
}
