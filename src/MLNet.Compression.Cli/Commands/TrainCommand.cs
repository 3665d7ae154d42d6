using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Cli.Parsing;
using MLNet.Compression.Synthetic;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress train --world DIR --arch bert|gpt2|llama [--hidden H --layers L --heads A --steps S --batch-size B
/// --learning-rate LR --seed N --checkpoint-fractions F,…] -o DIR`: trains a small model on a world written by `world`
/// into a Hugging Face folder every other command reads. A folder trained before with the same world and settings is reused.
/// </summary>
public static class TrainCommand
{
    /// <summary>The --arch values, in the order the help and errors list them.</summary>
    private static readonly IReadOnlyDictionary<string, ModelArchitecture> Architectures = new Dictionary<string, ModelArchitecture>(StringComparer.OrdinalIgnoreCase)
    {
        ["bert"] = ModelArchitecture.Bert, ["gpt2"] = ModelArchitecture.Gpt2, ["llama"] = ModelArchitecture.Llama,
    };

    public static Command Create()
    {
        var d = new WorldModelTrainer.Options();
        var world = new Option<string>("--world") { Description = "World folder written by `world` (or by `demo`, under its output).", Required = true };
        var arch = new Option<string>("--arch") { Description = "bert (masked LM), gpt2 or llama (causal LMs).", Required = true, HelpName = "bert|gpt2|llama" };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size.", DefaultValueFactory = _ => d.Hidden };
        var layers = new Option<int>("--layers") { Description = "Transformer layers.", DefaultValueFactory = _ => d.Layers };
        var heads = new Option<int>("--heads") { Description = "Attention heads (a divisor of the hidden size).", DefaultValueFactory = _ => d.Heads };
        var steps = new Option<int>("--steps") { Description = "Optimiser steps.", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--batch-size") { Description = "Sentences per step.", DefaultValueFactory = _ => d.BatchSize };
        var lr = new Option<double>("--learning-rate") { Description = "Peak learning rate of the cosine schedule.", DefaultValueFactory = _ => d.LearningRate };
        var seed = new Option<int>("--seed") { Description = "Seed of initialisation, batches and masking.", DefaultValueFactory = _ => d.Seed };
        var fractions = new Option<string>(CheckpointFractions.OptionName)
        {
            Description = "Fractions of the run after which a checkpoint is saved to checkpoints/step-NNNNNN/, e.g. 0.1,0.5,1 (none by default).",
        };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the trained model (replaced when it holds an earlier trained model).", Required = true };
        var cmd = new Command("train", "Train a small BERT, GPT-2 or Llama model on a synthetic world, saving a Hugging Face model folder (and optional pretraining checkpoints).")
        {
            world, arch, hidden, layers, heads, steps, batch, lr, seed, fractions, output,
        };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            var a = Architecture(r.GetValue(arch)!);
            var options = new WorldModelTrainer.Options
            {
                Hidden = r.GetValue(hidden), Layers = r.GetValue(layers), Heads = r.GetValue(heads), Steps = r.GetValue(steps),
                BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), Seed = r.GetValue(seed),
                CheckpointFractions = CheckpointFractions.Parse(r.GetValue(fractions)) ?? [],
            };
            Check(options, a);
            string worldDir = r.GetValue(world)!;
            CheckWorld(worldDir, a);
            TrainWithProgress(worldDir, r.GetValue(output)!, a, options);
            return 0;
        }));
        return cmd;
    }

    /// <summary>What a progress bar calls a model of <paramref name="arch"/>.</summary>
    private static string Label(ModelArchitecture arch) => arch switch
    {
        ModelArchitecture.Bert => "masked LM (BERT)",
        ModelArchitecture.Gpt2 => "causal LM (GPT-2)",
        _ => "causal LM (Llama)",
    };

    /// <summary>
    /// Trains through <see cref="WorldModelTrainer.Train"/> with a progress bar showing the smoothed loss, then prints where
    /// the model is and its final loss. Refuses an output folder that is neither empty nor an earlier trained model first.
    /// </summary>
    internal static WorldModelTrainer.Result TrainWithProgress(string worldDir, string outDir, ModelArchitecture arch, WorldModelTrainer.Options options)
    {
        string label = Label(arch);
        OutputFile.ReportWriteErrors(() => WorldModelTrainer.CheckWritable(outDir));
        WorldModelTrainer.Result? result = null;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask(Markup.Escape(label), maxValue: options.Steps);
            result = WorldModelTrainer.Train(worldDir, outDir, arch, options, (step, _, loss) =>
            {
                task.Value = step;
                task.Description = Markup.Escape($"{label} loss {loss:F3}");
            });
            task.Value = task.MaxValue;
        });
        string how = result!.Reused ? "reused (trained before with the same world and settings)" : $"trained in {result.Seconds:F0} s";
        AnsiConsole.MarkupLine($"{Markup.Escape(label)}: {how}, {result.Steps} steps, final loss {result.FinalLoss:F3} → [blue]{Markup.Escape(result.Folder)}[/]");
        return result;
    }

    private static ModelArchitecture Architecture(string name)
        => Architectures.TryGetValue(name, out var a) ? a
            : throw new UsageException($"--arch: \"{name}\" (expected {string.Join(", ", Architectures.Keys.SkipLast(1))} or {Architectures.Keys.Last()}).");

    /// <summary>Refuses sizes and settings training cannot use, naming the option.</summary>
    private static void Check(WorldModelTrainer.Options o, ModelArchitecture arch)
    {
        static void Positive(string option, int value, string what)
        {
            if (value < 1) throw new UsageException($"{option}: {value} (expected a positive {what}).");
        }
        Positive("--hidden", o.Hidden, "hidden size such as 64");
        Positive("--layers", o.Layers, "number of layers");
        Positive("--heads", o.Heads, "number of attention heads");
        Positive("--steps", o.Steps, "number of optimiser steps");
        Positive("--batch-size", o.BatchSize, "number of sentences per step");
        if (o.Hidden % o.Heads != 0)
            throw new UsageException($"--heads: {o.Heads} does not divide --hidden {o.Hidden} (expected a divisor of the hidden size).");
        // Rotary embeddings rotate pairs of dimensions, so a Llama head needs an even size.
        if (arch == ModelArchitecture.Llama && o.Hidden / o.Heads % 2 != 0)
            throw new UsageException($"--heads: {o.Heads} gives heads of {o.Hidden / o.Heads} dimensions (expected an even head size for llama's rotary embeddings).");
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate))
            throw new UsageException($"--learning-rate: {o.LearningRate} (expected a positive number such as 0.002).");
    }

    /// <summary>Refuses a --world folder that lacks what training reads, naming the folder and the missing files.</summary>
    private static void CheckWorld(string worldDir, ModelArchitecture arch)
    {
        if (!Directory.Exists(worldDir)) throw new UsageException($"--world: {worldDir}: folder not found (expected a folder written by `mlnet-compress world`).");
        var missing = WorldModelTrainer.MissingWorldFiles(worldDir, arch);
        if (missing.Count > 0)
            throw new UsageException($"--world: {worldDir} is not a world folder: it has no {string.Join(", ", missing)} (expected a folder written by `mlnet-compress world`).");
    }
}
