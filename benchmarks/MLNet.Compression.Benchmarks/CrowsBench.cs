using System.Diagnostics;
using System.Text.Json;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// CrowS-Pairs on a BERT-base-shaped random model (BertForwardBench.BertBaseConfig, seed 0) with the bert-base-uncased
/// tokenizer: `-- crows [original|bias-bench] [--pairs N] [--batch-size B]`. Prints the wall time, the forward rows and
/// tokens it ran, and an estimate of the PyTorch route (metric.py: one forward per masked token, batch 1, full-sequence
/// MLM head) from ../shared/fixtures/timing.json: encoder time per token from the b8×s128 BertModel run, plus the MLM
/// head over every position at the matmul rate measured there. With --pairs N the first N pairs run and the full-set time
/// is extrapolated by token count.
/// </summary>
public static class CrowsBench
{
    public static void Run(string[] args)
    {
        var variant = args.Contains("bias-bench") ? CrowsPairsVariant.MaskedDiff : CrowsPairsVariant.Original;
        int pairs = Arg(args, "--pairs") ?? int.MaxValue, batch = Arg(args, "--batch-size") ?? 32;
        string shared = FindShared();
        var tokenizer = AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "bert-base-uncased"));
        var all = CrowsPairsData.Load(Path.Combine(shared, "data", "crows_pairs", "crows_pairs_anonymized.csv"));
        var data = CrowsPairsData.FromPairs(all.Pairs.Take(pairs));
        var model = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        Console.WriteLine($"threads: {Environment.ProcessorCount}; CrowS-Pairs {variant}, {data.Pairs.Count} of {all.Pairs.Count} pairs, batch {batch}");

        // Count what the reference loop would run: one forward per masked position, each over the whole sentence.
        long rows = 0, tokens = 0, allTokens = 0;
        foreach (var (p, counted) in all.Pairs.Select((p, i) => (p, i < data.Pairs.Count)))
        {
            var (s1, s2) = p.Ordered;
            if (variant == CrowsPairsVariant.Original) { s1 = s1.ToLowerInvariant(); s2 = s2.ToLowerInvariant(); }
            int[] a = tokenizer.EncodeToIds(s1).ToArray(), b = tokenizer.EncodeToIds(s2).ToArray();
            var (t1, t2) = SequenceMatcher.Span(a, b, shared: variant == CrowsPairsVariant.Original);
            int m1 = variant == CrowsPairsVariant.Original ? Math.Max(0, t1.Count - 2) : t1.Count, m2 = variant == CrowsPairsVariant.Original ? Math.Max(0, t2.Count - 2) : t2.Count;
            long tok = (long)m1 * a.Length + (long)m2 * b.Length;
            allTokens += tok;
            if (counted) { rows += m1 + m2; tokens += tok; }
        }

        var sw = Stopwatch.StartNew();
        var result = new CrowsPairsEvaluator(new CrowsPairsEvaluator.Options { Variant = variant, BatchSize = batch }).Evaluate(model, tokenizer, data);
        sw.Stop();
        double s = sw.Elapsed.TotalSeconds, full = s * allTokens / tokens;
        Console.WriteLine($"ours: {s:F1} s for {rows:N0} masked forward rows, {tokens:N0} tokens ({tokens / s:N0} tokens/s); metric score {result.Overall.MetricScore}");
        if (data.Pairs.Count < all.Pairs.Count) Console.WriteLine($"  all {all.Pairs.Count} pairs ({allTokens:N0} tokens), extrapolated by tokens: {full:F0} s");

        using var timing = JsonDocument.Parse(File.ReadAllText(Path.Combine(shared, "fixtures", "timing.json")));
        foreach (var blas in new[] { "openblas_0.3.21_pthread", "reference_blas_default" })
        {
            if (!timing.RootElement.TryGetProperty(blas, out var t)) continue;
            double encoderPerToken = t.GetProperty("bert_base_b8_s128").GetProperty("median_s").GetDouble() / 1024;
            double gflops = t.GetProperty("768x3072@3072x768").GetProperty("gflops").GetDouble();
            double headFlop = 2.0 * 768 * 30522 + 2.0 * 768 * 768;          // decoder + transform per position, every position of every forward
            double est = allTokens * (encoderPerToken + headFlop / (gflops * 1e9));
            Console.WriteLine($"PyTorch estimate ({blas}): {est:F0} s for all pairs = {allTokens:N0} tokens × ({encoderPerToken * 1e3:F2} ms encoder + {headFlop / (gflops * 1e9) * 1e3:F2} ms head)/token; ours {est / full:F1}× faster");
        }
    }

    private static int? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static string FindShared()
    {
        string? env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared"));
    }
}
