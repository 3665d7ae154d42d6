using System.Diagnostics;
using System.Globalization;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.Modeling;
using MLNet.Compression.Synthetic;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Bias of the demo's dense models against the world's bias skew: `-- bias-skew [--skews 0,0.3,0.6,0.9] [--quick] [--out DIR]`.
/// For each skew it builds the world and trains both models with the demo's settings (Synthetic/DemoSettings, no
/// checkpoints), then prints CrowS-Pairs and StereoSet SS/LMS with 95% bootstrap intervals: the table behind
/// docs/BENCHMARKS.md "Bias against skew". About 5 minutes a skew on 2 cores.
/// </summary>
public static class BiasSkewBench
{
    public static void Run(string[] args)
    {
        var skews = Value(args, "--skews")?.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? [0, 0.3, 0.6, 0.9];
        bool quick = args.Contains("--quick");
        string root = Value(args, "--out") ?? Path.Combine(Path.GetTempPath(), "mlnet-bias-skew");
        var rows = new List<string>();
        foreach (double skew in skews)
        {
            var clock = Stopwatch.StartNew();
            var settings = quick ? DemoSettings.Quick(skew, []) : DemoSettings.Full(skew, []);
            string dir = Path.Combine(root, $"skew-{skew.ToString("0.##", CultureInfo.InvariantCulture)}"), world = Path.Combine(dir, "world");
            WorldWriter.Write(KnowledgeWorld.Generate(settings.World), world);
            string mlm = WorldModelTrainer.Train(world, Path.Combine(dir, "masked-lm"), ModelArchitecture.Bert, settings.MaskedLm).Folder;
            string clm = WorldModelTrainer.Train(world, Path.Combine(dir, "causal-lm"), ModelArchitecture.Gpt2, settings.CausalLm).Folder;
            var crows = CrowsPairsData.Load(Path.Combine(world, "crows_pairs.csv"));
            var intra = StereoSetData.Load(Path.Combine(world, "stereoset", "intrasentence.csv"));
            foreach (var (name, path) in new[] { ("masked LM", mlm), ("causal LM", clm) })
            {
                var model = ModelLoader.Load(path);
                var tokenizer = AutoTokenizer.FromFolder(path);
                var c = new CrowsPairsEvaluator().Evaluate(model, tokenizer, crows);
                var examples = new StereoSetEvaluator().Evaluate(model, tokenizer, intra).Intrasentence!.Examples;
                var ss = StereoSetIntervals.Of(examples);
                rows.Add($"| {skew:0.##} | {name} | {CrowsIntervals.Metric(c.Pairs).ToString("0.0")} | {ss.Ss.ToString("0.0")} | {ss.Lms.ToString("0.0")} | {c.Pairs.Count} / {examples.Count} |");
                Console.WriteLine(rows[^1]);
            }
            Console.WriteLine($"skew {skew}: {clock.Elapsed.TotalSeconds:F0} s");
        }
        Console.WriteLine();
        Console.WriteLine("| skew | model | CrowS [95% CI] | SS [95% CI] | LMS [95% CI] | pairs / items |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in rows) Console.WriteLine(r);
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
