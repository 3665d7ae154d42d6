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
            CheckDataExists(options);
            var result = RunWithProgress(r.GetValue(model)!, g, options, r.GetValue(model)!);
            Write([result], r.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// The runner reports missing data paths with general exception types; the paths are the user's, so they are checked
    /// here first and reported as usage errors.
    /// </summary>
    private static void CheckDataExists(StudyRunner.Options options)
    {
        if (!Directory.Exists(options.LamaDir)) throw new UsageException($"{options.LamaDir}: LAMA folder not found.");
        if (options.CrowsFile is { } crows && !File.Exists(crows)) throw new UsageException($"{crows}: file not found.");
        foreach (var f in options.StereoSetFiles)
            if (!File.Exists(f) && !Directory.Exists(f)) throw new UsageException($"{f}: file not found.");
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
        StudyTable.Show(result!);
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
}
