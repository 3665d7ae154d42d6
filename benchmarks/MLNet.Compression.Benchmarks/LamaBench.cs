using System.Diagnostics;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Full LAMA T-REx (41 relations, ../shared/data/lama/TREx) on a BERT-base-shaped random model with the bert-base-uncased
/// tokenizer: LAMA's protocol (batches of 32, whole vocabulary, LM head only at the mask). `-- lama [relations]`.
/// PyTorch is not installed here, so the PyTorch route is estimated from ../shared/fixtures/timing.json: BertModel
/// (OpenBLAS, 2 threads) runs 8×128 tokens in 2.18 s; LAMA's connector runs the same encoder on its padded batches and
/// the MLM head (768×30522) at every position, so its time ≈ padded tokens × (encoder s/token) × (1 + head/encoder FLOPs).
/// </summary>
public static class LamaBench
{
    public static void Run(string[] args)
    {
        string shared = FindShared();
        var relations = args.Length > 0 ? args[0].Split(',') : null;
        var model = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        var tokenizer = AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "bert-base-uncased"));
        var subsets = LamaSubset.FromFolder(Path.Combine(shared, "data", "lama"), relations).Where(s => s.Name == "TREx").ToArray();
        Console.WriteLine($"threads: {Environment.ProcessorCount}; T-REx relations: {subsets.Sum(s => s.Relations.Count)}");
        var sw = Stopwatch.StartNew();
        var result = new LamaProbe(model, tokenizer).Run(subsets, (rel, done, total) => { if (done == total) Console.Write($"{rel} "); });
        sw.Stop();
        Console.WriteLine();
        var r = result.Single();
        double seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"T-REx: {r.NFacts:N0} facts in {seconds:F1} s ({r.NFacts / seconds:F0} facts/s); macro P@1 {r.MacroPAt1:F4}, MRR {r.MacroMrr:F5}");

        // The PyTorch estimate: LAMA's batches of 32 sorted by length are padded to their longest sentence.
        var lengths = subsets.SelectMany(s => s.Relations).SelectMany(rel =>
        {
            var facts = LamaReader.ReadFacts(rel.Path).Facts.Select(f => (f.SubLabel.ToLowerInvariant(), f.ObjLabel.ToLowerInvariant())).Distinct();
            return facts.Select(f => tokenizer.EncodeToIds(rel.Template!.Replace("[X]", f.Item1).Replace("[Y]", "[MASK]")).Count).ToArray()
                        .Order().Chunk(32).Select(c => (long)c.Max() * c.Length);
        }).Sum();
        const double torchEncoderSecondsPerToken = 2.1776 / (8 * 128);          // timing.json openblas bert_base_b8_s128
        const double encoderFlopPerToken = 178.778e9 / (8 * 128), headFlopPerToken = 2.0 * 768 * 30522;
        double torch = lengths * torchEncoderSecondsPerToken * (1 + headFlopPerToken / encoderFlopPerToken);
        Console.WriteLine($"padded tokens (LAMA batching, upper bound over all lines): {lengths:N0}; estimated PyTorch 1.13 + OpenBLAS, 2 threads: {torch:F0} s " +
                          $"(encoder {lengths * torchEncoderSecondsPerToken:F0} s + MLM head at every position); ratio {torch / seconds:F2}x");
    }

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        dir ??= new DirectoryInfo(Directory.GetCurrentDirectory());
        return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    }
}
