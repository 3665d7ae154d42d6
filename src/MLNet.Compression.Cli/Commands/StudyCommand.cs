using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Reporting;
using MLNet.Compression.Study;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress study --model DIR --lama DIR [--crows FILE] [--stereoset FILE…] --grid namburi2023|FILE.json -o OUT`:
/// seed study 1's grid (or a grid file) on any model, writing results.json and report.html.
/// </summary>
public static class StudyCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder.", Required = true };
        var lama = new Option<string>("--lama") { Description = "LAMA folder (relations.jsonl + TREx/…).", Required = true };
        var crows = new Option<string>("--crows") { Description = "CrowS-Pairs CSV." };
        var stereo = new Option<string[]>("--stereoset") { Description = "StereoSet file(s): the original JSON or the CSV form.", AllowMultipleArgumentsPerToken = true };
        var grid = new Option<string>("--grid") { Description = "namburi2023 (seed study 1's grid) or a grid JSON file.", DefaultValueFactory = _ => "namburi2023" };
        var output = new Option<string>("--output", "-o") { Description = "Folder for results.json and report.html.", Required = true };
        var cmd = new Command("study", "Run a compression grid on a model and report knowledge, bias, size and speed per point.") { model, lama, crows, stereo, grid, output };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var g = r.GetValue(grid) == "namburi2023" ? StudyGrid.Namburi2023() : UserInput.Check(() => StudyGrid.Load(r.GetValue(grid)!));
            var options = new StudyRunner.Options { LamaDir = r.GetValue(lama)!, CrowsFile = r.GetValue(crows), StereoSetFiles = r.GetValue(stereo) ?? [] };
            var result = RunWithProgress(r.GetValue(model)!, g, options, r.GetValue(model)!);
            Write([result], r.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    internal static StudyResult RunWithProgress(string modelPath, StudyGrid grid, StudyRunner.Options options, string label)
    {
        StudyResult? result = null;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape($"study {label}"), maxValue: grid.Points.Count);
            var runner = new StudyRunner(new StudyRunner.Options
            {
                LamaDir = options.LamaDir, CrowsFile = options.CrowsFile, StereoSetFiles = options.StereoSetFiles,
                FrequentThreshold = options.FrequentThreshold, Seed = options.Seed,
                Log = line => task.Description = Markup.Escape($"{label}: {line}"),
                Progress = (done, _) => task.Value = done,
            });
            result = runner.Run(modelPath, grid);
        });
        PrintTable(result!);
        return result!;
    }

    internal static void Write(IReadOnlyList<StudyResult> results, string outDir)
    {
        string report = Path.Combine(outDir, "report.html");
        OutputFile.ReportWriteErrors(() =>
        {
            Directory.CreateDirectory(outDir);
            foreach (var r in results)
                StudyRunner.WriteJson(r, Path.Combine(outDir, results.Count == 1 ? "results.json" : $"results-{r.ModelType}.json"));
            StudyReport.WriteHtml(results, report);
        });
        AnsiConsole.MarkupLine($"report: [blue]{Markup.Escape(Path.GetFullPath(report))}[/]");
    }

    private static void PrintTable(StudyResult r)
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
