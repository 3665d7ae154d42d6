using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.Pipeline;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using MLNet.Compression.Cli.Parsing;
using MLNet.Compression.Study;
using MLNet.Compression.Synthetic;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress demo [-o DIR] [--quick]`: the main job on an embedded default. A random model knows nothing and no
/// pretrained weights can be downloaded, so the demo makes a model that knows facts: it builds a fictional world with known
/// answers, trains a small masked LM and a small causal LM on it (cached: a second run skips training), runs the study grid
/// on both, and writes results.json and report.html.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the world, the models and the report.", DefaultValueFactory = _ => "mlnet-demo" };
        var quick = new Option<bool>("--quick") { Description = "A small world, short training and a reduced grid (about a minute; what CI runs)." };
        var skew = new Option<double>("--bias-skew") { Description = "Strength of the planted bias, 0 (none) to 1 (total).", DefaultValueFactory = _ => new WorldOptions().BiasSkew };
        var fractions = new Option<string>(CheckpointFractions.OptionName)
        {
            Description = "Fractions of each training run saved as checkpoints and studied dense, int8 and fp16 (seed study 2), e.g. 0.05,0.1,0.2,0.4,0.6,0.8,1 for the larger version. Default 0.1,0.2,0.4,1 (0.5,1 with --quick).",
        };
        var cmd = new Command("demo", "Build a synthetic world, train two small models on it, and study what compression costs them: pruning and int8 by module group (seed study 1), bias across pretraining checkpoints (seed study 2), and a short search for the best per-layer plan at 3 bits per weight.")
        {
            output, quick, skew, fractions,
        };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(output)!, r.GetValue(quick), r.GetValue(skew), CheckpointFractions.Parse(r.GetValue(fractions)))));
        return cmd;
    }

    private static int Run(string outDir, bool quick, double skew, IReadOnlyList<double>? fractions)
    {
        var clock = Stopwatch.StartNew();
        WorldCommand.CheckBiasSkew(skew);
        var settings = quick ? DemoSettings.Quick(skew, fractions) : DemoSettings.Full(skew, fractions);
        var worldOptions = settings.World;

        string worldDir = Path.Combine(outDir, "world");
        WorldCommand.Write(worldOptions, worldDir);
        string mlmDir = Path.Combine(outDir, "models", "masked-lm"), clmDir = Path.Combine(outDir, "models", "causal-lm");
        TrainCommand.TrainWithProgress(worldDir, mlmDir, ModelArchitecture.Bert, settings.MaskedLm);
        TrainCommand.TrainWithProgress(worldDir, clmDir, ModelArchitecture.Gpt2, settings.CausalLm);

        var grid = StudyGrid.Namburi2023(settings.Sparsities);
        // The masked LM's grid adds a distilled student (half its layers) and a magnitude-0.7 model recovered against it,
        // trained on the world's corpus with the masked LM's own batch, masking and learning rate.
        var mlm = settings.MaskedLm;
        var distillation = StudyGrid.Distillation(Path.Combine(worldDir, WorldWriter.CorpusFile), settings.DistillSteps, settings.RecoverSteps, training: new Dictionary<string, string>
        {
            ["batch_size"] = mlm.BatchSize.ToString(CultureInfo.InvariantCulture), ["seq_len"] = "32",
            ["lr"] = mlm.LearningRate.ToString("R", CultureInfo.InvariantCulture), ["mask_probability"] = mlm.MaskProbability.ToString("R", CultureInfo.InvariantCulture),
        });
        var mlmGrid = new StudyGrid(grid.Name, [.. grid.Points, .. distillation]);
        var options = new StudyRunner.Options
        {
            LamaDir = Path.Combine(worldDir, "lama"), CrowsFile = Path.Combine(worldDir, "crows_pairs.csv"),
            StereoSetFiles = [Path.Combine(worldDir, "stereoset", "intrasentence.csv"), Path.Combine(worldDir, "stereoset", "intersentence.csv")],
            FrequentThreshold = worldOptions.FrequentThreshold,
            PerplexityText = Path.Combine(worldDir, HeldOutText.FileName),
        };
        var causal = options.With(Path.Combine(worldDir, "lama-next-token"));
        var results = new List<StudyResult>
        {
            StudyCommand.RunWithProgress(mlmDir, mlmGrid, options, "masked LM"),
            StudyCommand.RunWithProgress(clmDir, grid, causal, "causal LM"),
        };
        // Seed study 2: the same models at fractions of their training, dense against int8 and fp16.
        var pretraining = StudyGrid.Goncalves2023();
        results.AddRange(StudyCommand.RunSeriesWithProgress(CheckpointSeries.Resolve([Path.Combine(mlmDir, CheckpointSchedule.Folder)]), pretraining, options, "masked LM"));
        results.AddRange(StudyCommand.RunSeriesWithProgress(CheckpointSeries.Resolve([Path.Combine(clmDir, CheckpointSchedule.Folder)]), pretraining, causal, "causal LM"));
        StudyCommand.Write(results, Path.Combine(outDir, "study"));

        // A short search on the masked LM: the per-layer plan that keeps most knowledge at about 3 bits per weight,
        // with the bias kept within 5 points of dense, against the uniform plans that fit the same budget.
        string searchDir = Path.Combine(outDir, "search");
        SearchCommand.CheckOutput(searchDir);
        AnsiConsole.MarkupLine($"search: masked LM at {settings.SearchBudget} with {settings.SearchTrials} trials → [blue]{Markup.Escape(searchDir)}[/]");
        SearchCommand.Execute(new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(mlmDir)
            .SetData(new SearchDataOptions
            {
                LamaDir = options.LamaDir, CrowsFile = options.CrowsFile, StereoSetFiles = [Path.Combine(worldDir, "stereoset", "intrasentence.csv")],
                CalibrationFile = options.PerplexityText,
            })
            .SetObjective(new SearchObjective { SizeBudget = SizeBudget.Parse(settings.SearchBudget, "demo search budget"), MaxBiasShift = 5 })
            .SetStorage("sqlite:" + Path.Combine(Path.GetFullPath(searchDir), SearchCommand.DefaultStoreFile))
            .SetStudy("demo")
            .SetMaxTrials(settings.SearchTrials)
            .SetCompareUniform(true), searchDir);
        AnsiConsole.MarkupLine($"demo finished in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }
}
