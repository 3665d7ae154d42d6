using System.CommandLine;
using System.Diagnostics;
using MLNet.Compression.Cli.Output;
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
        var skew = new Option<double>("--bias-skew") { Description = "Strength of the planted bias, 0 (none) to 1 (total).", DefaultValueFactory = _ => 0.8 };
        var cmd = new Command("demo", "Build a synthetic world, train two small models on it, and study what compression costs them.") { output, quick, skew };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(output)!, r.GetValue(quick), r.GetValue(skew))));
        return cmd;
    }

    private static int Run(string outDir, bool quick, double skew)
    {
        var clock = Stopwatch.StartNew();
        var worldOptions = (quick ? WorldOptions.Small(1) : new WorldOptions { People = 150 }) with { BiasSkew = skew };
        var mlm = quick ? new WorldModelTrainer.Options { Hidden = 64, Layers = 2, Steps = 400 } : new WorldModelTrainer.Options { Steps = 6000 };
        var clm = quick ? new WorldModelTrainer.Options { Hidden = 64, Layers = 2, Steps = 300, LearningRate = 3e-3 } : new WorldModelTrainer.Options { Steps = 3000, LearningRate = 5e-3 };
        double[] sparsities = quick ? [0.5] : [0.1, 0.3, 0.5, 0.7, 0.9];

        string worldDir = Path.Combine(outDir, "world");
        var world = KnowledgeWorld.Generate(worldOptions);
        OutputFile.ReportWriteErrors(() => WorldWriter.Write(world, worldDir));
        AnsiConsole.MarkupLine($"world: {world.Facts.Count} facts over {WorldRelation.All.Count} relations, {world.Corpus.Count} training sentences, bias skew {worldOptions.BiasSkew} → [blue]{Markup.Escape(worldDir)}[/]");

        string mlmDir = Path.Combine(outDir, "models", "masked-lm"), clmDir = Path.Combine(outDir, "models", "causal-lm");
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var a = ctx.AddTask("masked LM (BERT)", maxValue: mlm.Steps);
            WorldModelTrainer.TrainMaskedLm(worldDir, mlmDir, mlm, (s, t, loss) => { a.Value = s; a.Description = $"masked LM (BERT) loss {loss:F3}"; });
            a.Value = a.MaxValue;
            var b = ctx.AddTask("causal LM (GPT-2)", maxValue: clm.Steps);
            WorldModelTrainer.TrainCausalLm(worldDir, clmDir, clm, (s, t, loss) => { b.Value = s; b.Description = $"causal LM (GPT-2) loss {loss:F3}"; });
            b.Value = b.MaxValue;
        });

        var grid = StudyGrid.Namburi2023(sparsities);
        var options = new StudyRunner.Options
        {
            LamaDir = Path.Combine(worldDir, "lama"), CrowsFile = Path.Combine(worldDir, "crows_pairs.csv"),
            StereoSetFiles = [Path.Combine(worldDir, "stereoset", "intrasentence.csv"), Path.Combine(worldDir, "stereoset", "intersentence.csv")],
            FrequentThreshold = worldOptions.FrequentThreshold,
        };
        var results = new List<StudyResult>
        {
            StudyCommand.RunWithProgress(mlmDir, grid, options, "masked LM"),
            StudyCommand.RunWithProgress(clmDir, grid, options.With(Path.Combine(worldDir, "lama-next-token")), "causal LM"),
        };
        StudyCommand.Write(results, Path.Combine(outDir, "study"));
        AnsiConsole.MarkupLine($"demo finished in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }
}
