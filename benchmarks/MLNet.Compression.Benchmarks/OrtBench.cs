using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNet.Compression.Export.Onnx;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// This engine against ONNX Runtime 1.32 (CPU provider) on this project's own ONNX export of the same model: a BERT-base-shaped
/// masked LM with random weights, batch 8 × seq 128, full logits [8, 128, 30522], 2 threads each, float32 and dynamic int8
/// (fbgemm numerics, every linear layer but the head). int8 is exported twice: with the engine's exact activation
/// quantization (Int8Activations.Exact: 7-bit codes from a chain of standard ops, the engine's numbers) and with
/// DynamicQuantizeLinear (Int8Activations.Fast: 8-bit codes, fused by ORT with the int8 MatMul). The runtimes alternate
/// round by round in one process so drifting machine load hits both alike; medians of the timed rounds and the ratio
/// engine/ORT are printed, with the largest logit difference.
/// Usage: -- ort [rounds=5] [warmups=2]
/// </summary>
public static class OrtBench
{
    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0]) : 5, warmups = args.Length > 1 ? int.Parse(args[1]) : 2;
        const int batch = 8, seq = 128, threads = 2;
        Gemm.MaxThreads = threads;
        Console.WriteLine($"engine: {threads} threads, fp32 kernel {Gemm.KernelName}, int8 kernel {Int8Gemm.Best}; ORT {OrtEnv.Instance().GetVersionString()} CPU, intra-op {threads} threads");
        var dense = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        var rng = new Random(1234);
        var ids = Enumerable.Range(0, batch * seq).Select(_ => rng.Next(30522)).ToArray();
        var input = new ModelInput(new TokenBatch(batch, seq, ids));
        string root = Path.Combine(Path.GetTempPath(), "ort-bench-" + Environment.ProcessId);
        var ctx = new CompressionContext(seed: 0);
        var int8 = new Lazy<LanguageModel>(() => ctx.Quantization.DynamicInt8(ModuleGroup.All).Fit(dense).Model);
        var cases = new (string Name, Func<LanguageModel> Make, Int8Activations Mode)[]
        {
            ("float32", () => dense, Int8Activations.Exact),
            ("int8, exact activations", () => int8.Value, Int8Activations.Exact),
            ("int8, ORT DynamicQuantizeLinear", () => int8.Value, Int8Activations.Fast),
        };
        var summary = new List<string>();
        try
        {
            foreach (var (name, make, mode) in cases)
            {
                var model = make();
                string folder = Path.Combine(root, name.Split(' ')[0] + name.Length);
                var sw = Stopwatch.StartNew();
                var report = OnnxExporter.Export(model, folder, options: new OnnxExportOptions { Int8Activations = mode });
                Console.WriteLine($"{name}: exported in {sw.Elapsed.TotalSeconds:F1} s ({new FileInfo(Path.Combine(folder, "model.onnx")).Length / 1048576.0:F0} MiB; {string.Join(", ", report.Forms.Select(kv => $"{kv.Value}× {kv.Key}"))})");
                using var so = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
                sw.Restart();
                using var session = new InferenceSession(Path.Combine(folder, "model.onnx"), so);
                Console.WriteLine($"  ORT session created in {sw.Elapsed.TotalSeconds:F1} s");
                var feeds = new List<NamedOnnxValue>
                {
                    NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids.Select(i => (long)i).ToArray(), [batch, seq])),
                    NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, batch * seq).ToArray(), [batch, seq])),
                    NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[batch * seq], [batch, seq])),
                };
                var engineTimes = new List<double>();
                var ortTimes = new List<double>();
                float maxDiff = 0;
                for (int r = 0; r < warmups + rounds; r++)
                {
                    sw.Restart();
                    var logits = model.Forward(input).Logits; // [8, 128, 30522]
                    double te = sw.Elapsed.TotalSeconds;
                    sw.Restart();
                    float[] ort;
                    using (var results = session.Run(feeds)) ort = results.First().AsTensor<float>().ToArray();
                    double to = sw.Elapsed.TotalSeconds;
                    if (r == 0)
                    {
                        var e = logits.ReadOnlySpan;
                        for (int i = 0; i < ort.Length; i++) maxDiff = MathF.Max(maxDiff, MathF.Abs(e[i] - ort[i]));
                    }
                    if (r >= warmups) { engineTimes.Add(te); ortTimes.Add(to); }
                    Console.WriteLine($"  round {r + 1}{(r < warmups ? " (warm-up)" : "")}: engine {te:F3} s, ORT {to:F3} s");
                }
                double me = Median(engineTimes), mo = Median(ortTimes);
                string line = $"{name}: engine median {me:F3} s, ORT median {mo:F3} s, engine/ORT {me / mo:F2} (max |Δ logits| {maxDiff:G3})";
                Console.WriteLine(line);
                summary.Add(line);
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
        Console.WriteLine();
        Console.WriteLine($"BERT-base MLM b{batch}×s{seq}, full logits, {threads} threads, {rounds} alternated rounds after {warmups} warm-ups:");
        foreach (var l in summary) Console.WriteLine("  " + l);
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
