using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.Reporting;
using MLNet.Compression.Modeling;
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
        var model = new Option<string>("--model", "-m") { Description = "Model folder (or give --checkpoints)." };
        var checkpoints = new Option<string[]>("--checkpoints")
        {
            Description = "Pretraining checkpoints of one model, in any order (sorted by step): folders separated by commas, or one folder holding them.",
            AllowMultipleArgumentsPerToken = true,
        };
        var lama = new Option<string>("--lama") { Description = "LAMA folder (relations.jsonl + TREx/…); required unless the study measures a bare encoder's sentence vectors (--embedding-text)." };
        var embeddingText = new Option<string>("--embedding-text") { Description = "Texts (one per line) whose sentence vectors every point is compared with dense on: mean cosine and pairwise-similarity rank correlation.", HelpName = "FILE" };
        var calibration = new Option<string>("--calibration") { Description = "Calibration text (one sample per line) for grid points that need it (wanda, sparsegpt, owl, gptq).", HelpName = "FILE" };
        var crows = new Option<string>("--crows") { Description = "CrowS-Pairs CSV." };
        var stereo = new Option<string[]>("--stereoset") { Description = "StereoSet file(s): the original JSON or the CSV form.", AllowMultipleArgumentsPerToken = true };
        var heldOut = new Option<string>("--heldout") { Description = "Held-out text (a sentence per line): perplexity and KL from dense at every point of a causal LM." };
        var grid = new Option<string>("--grid")
        {
            Description = "namburi2023 (seed study 1: pruning and int8 by module group), goncalves2023 (seed study 2: dense, int8, fp16 per checkpoint) or a grid JSON file.",
            DefaultValueFactory = _ => "namburi2023",
        };
        var resamples = new Option<int>("--bootstrap-resamples") { Description = "Resamples of the percentile bootstrap behind every interval.", DefaultValueFactory = _ => new Bootstrap.Options().Resamples };
        var output = new Option<string>("--output", "-o") { Description = "Folder for results.json and report.html.", Required = true };
        var cmd = new Command("study", "Run a compression grid on a model (or on each of its pretraining checkpoints) and report knowledge, bias, perplexity, size and speed per point, with 95% intervals.")
        {
            model, checkpoints, lama, crows, stereo, heldOut, embeddingText, calibration, grid, resamples, output,
        };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            string gridName = r.GetValue(grid)!;
            var g = StudyGrid.Named(gridName) ?? UserInput.Check(() => StudyGrid.Load(gridName));
            string? modelPath = r.GetValue(model);
            var series = r.GetValue(checkpoints)?.SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            if ((modelPath is null) == (series is null or { Count: 0 }))
                throw new UsageException("study: give either --model (one model) or --checkpoints (a series of pretraining checkpoints).");
            int n = r.GetValue(resamples);
            if (n < 1) throw new UsageException($"--bootstrap-resamples: {n} (expected a positive number of resamples, e.g. 1000).");
            var options = new StudyRunner.Options
            {
                LamaDir = r.GetValue(lama), CrowsFile = r.GetValue(crows), StereoSetFiles = r.GetValue(stereo) ?? [],
                PerplexityText = r.GetValue(heldOut), EmbeddingText = r.GetValue(embeddingText), CalibrationFile = r.GetValue(calibration),
                Bootstrap = new Bootstrap.Options { Resamples = n },
            };
            if (options.LamaDir is null && options.EmbeddingText is null)
                throw new UsageException("--lama, --embedding-text: give at least one (knowledge probes need a masked or causal LM; a bare encoder is measured on its sentence vectors).");
            if (options.LamaDir is not null && modelPath is not null && UserInput.Check(() => ModelLoader.Load(modelPath)).Kind == ModelKind.Encoder)
                throw new UsageException($"--lama: {modelPath} is a bare encoder (no masked-LM head), which cannot fill in facts; measure it with --embedding-text instead, or give its masked-LM folder.");
            CheckDataExists(options);
            IReadOnlyList<StudyResult> results = modelPath is not null
                ? [RunWithProgress(modelPath, g, options, modelPath)]
                : RunSeriesWithProgress(UserInput.Check(() => CheckpointSeries.Resolve(series!)), g, options, "checkpoint");
            Write(results, r.GetValue(output)!);
            return 0;
        }));
        return cmd;
    }

    /// <summary>The grid at every checkpoint (StudyRunner.RunCheckpoints), a progress bar per checkpoint, then the series' table.</summary>
    internal static IReadOnlyList<StudyResult> RunSeriesWithProgress(IReadOnlyList<Checkpoint> series, StudyGrid grid, StudyRunner.Options options, string label)
    {
        IReadOnlyList<StudyResult> results = [];
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
        {
            ProgressTask? task = null;
            string name = label;
            var runner = new StudyRunner(options with
            {
                Log = line => { if (task is not null) task.Description = Markup.Escape($"{name}: {line}"); },
                Progress = (done, _) => { if (task is not null) task.Value = done; },
            });
            results = runner.RunCheckpoints(series, grid, (c, _) =>
            {
                name = $"{label} {c.Label}";
                task = ctx.AddTask(Markup.Escape(name), maxValue: grid.Points.Count);
            });
        });
        StudyTable.ShowSeries(results);
        return results;
    }

    private static void CheckDataExists(StudyRunner.Options options)
    {
        if (options.LamaDir is { } lama && !Directory.Exists(lama)) throw new UsageException($"--lama: {lama}: LAMA folder not found.");
        if (options.EmbeddingText is { } et && !File.Exists(et)) throw new UsageException($"--embedding-text: {et}: file not found.");
        if (options.CalibrationFile is { } cal && !File.Exists(cal)) throw new UsageException($"--calibration: {cal}: file not found.");
        if (options.CrowsFile is { } crows && !File.Exists(crows)) throw new UsageException($"{crows}: file not found.");
        if (options.PerplexityText is { } text && !File.Exists(text)) throw new UsageException($"--heldout: {text}: file not found.");
        foreach (var f in options.StereoSetFiles)
            if (!File.Exists(f) && !Directory.Exists(f)) throw new UsageException($"{f}: file not found.");
    }

    internal static StudyResult RunWithProgress(string modelPath, StudyGrid grid, StudyRunner.Options options, string label)
    {
        StudyResult? result = null;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape($"study {label}"), maxValue: grid.Points.Count);
            var runner = new StudyRunner(options with
            {
                Log = line => task.Description = Markup.Escape($"{label}: {line}"),
                Progress = (done, _) => task.Value = done,
            });
            result = runner.Run(modelPath, grid);
        });
        StudyTable.Show(result!);
        return result!;
    }

    /// <summary>results.json for one study; results-{model type}[-{checkpoint}].json when several share the folder.</summary>
    private static string ResultsFileName(StudyResult r, IReadOnlyList<StudyResult> all)
    {
        if (all.Count == 1) return "results.json";
        string name = r.Checkpoint is null ? r.ModelType : $"{r.ModelType}-{r.Checkpoint}";
        return $"results-{string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_'))}.json";
    }

    internal static void Write(IReadOnlyList<StudyResult> results, string outDir)
    {
        string report = Path.Combine(outDir, "report.html");
        OutputFile.ReportWriteErrors(() =>
        {
            Directory.CreateDirectory(outDir);
            foreach (var r in results)
                StudyRunner.WriteJson(r, Path.Combine(outDir, ResultsFileName(r, results)));
            StudyReport.WriteHtml(results, report);
        });
        AnsiConsole.MarkupLine($"report: [blue]{Markup.Escape(Path.GetFullPath(report))}[/]");
    }
}
