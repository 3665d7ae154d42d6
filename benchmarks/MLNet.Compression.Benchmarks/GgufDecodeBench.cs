using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using MLNet.Compression.Export.Gguf;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// `gguf-decode`: batch-1 greedy decoding speed of a Llama-shaped model with random weights (12 layers, hidden 768,
/// 12 heads, FFN 2048, vocab 32000) in this engine and in llama.cpp (LLamaSharp 0.30.0 CPU) running the GGUF this
/// project exports from the same model: fp32 → F32, dynamic int8 → Q8_0 (requantized), 4-bit RTN g32 → Q4_0 (grid
/// kept). Both on 2 threads; each round times a prompt of 16 tokens plus 32 generated tokens, engine and llama.cpp
/// alternating, median of the rounds. Options: --rounds N (3), --new N (32).
/// Both decode one token per step against a key/value cache (GreedyGenerator in this engine).
/// </summary>
public static class GgufDecodeBench
{
    private const string Config = """
        {"model_type":"llama","vocab_size":32000,"hidden_size":768,"intermediate_size":2048,"num_hidden_layers":12,
         "num_attention_heads":12,"num_key_value_heads":12,"max_position_embeddings":512,"rms_norm_eps":1e-5,
         "hidden_act":"silu","tie_word_embeddings":false}
        """;

    public static void Run(string[] args)
    {
        int rounds = Arg(args, "--rounds", 3), newTokens = Arg(args, "--new", 32), promptLength = 16;
        Gemm.MaxThreads = 2;
        NativeLibraryConfig.All.WithLogCallback((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
        var dense = ModelLoader.CreateRandom(ConfigJson.Parse(Config, "llama 12x768 (benchmark)"), seed: 0);
        var ctx = new CompressionContext(seed: 1);
        var variants = new (string Engine, LanguageModel Model, string File)[]
        {
            ("fp32", dense, "F32"),
            ("dynamic int8", ctx.Quantization.DynamicInt8().Fit(dense).Model, "Q8_0"),
            ("4-bit RTN g32", ctx.Quantization.WeightOnly(bits: 4, groupSize: 32, symmetric: true).Fit(dense).Model, "Q4_0"),
        };
        var rng = new Random(7);
        int[] prompt = Enumerable.Range(0, promptLength).Select(_ => rng.Next(3, 32000)).ToArray();
        string dir = Directory.CreateTempSubdirectory("gguf-decode-").FullName;
        Console.WriteLine($"llama 12 layers, hidden 768, FFN 2048, vocab 32000; prompt {promptLength} + {newTokens} new tokens, batch 1, 2 threads, {rounds} rounds; fp32 kernel {Gemm.KernelName}");
        // The machine's load matters: llama.cpp's worker threads spin while they wait, so other processes on the cores slow it most.
        if (File.Exists("/proc/loadavg")) Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()} on {Environment.ProcessorCount} cores");
        try
        {
            foreach (var (name, model, fileType) in variants)
            {
                string path = Path.Combine(dir, fileType + ".gguf");
                var result = GgufExporter.Export(model, path);
                var types = string.Join(", ", result.Tensors.Where(t => t.Shape.Length == 2).GroupBy(t => GgmlTypes.Name(t.Type)).Select(g => $"{g.Count()} {g.Key}"));
                using var cpp = new Runner(path);
                if (fileType == "F32") Console.WriteLine($"llama.cpp: {System.Runtime.InteropServices.Marshal.PtrToStringAnsi(NativeApi.llama_print_system_info())}");
                var ours = new List<double>();
                var theirs = new List<double>();
                int[] ourIds = [], theirIds = [];
                for (int r = 0; r < rounds + 1; r++) // round 0 warms up both
                {
                    var sw = Stopwatch.StartNew();
                    ourIds = EngineGreedy(model, prompt, newTokens);
                    double tOurs = sw.Elapsed.TotalSeconds;
                    sw.Restart();
                    theirIds = cpp.Greedy(prompt, newTokens);
                    double tTheirs = sw.Elapsed.TotalSeconds;
                    if (r > 0) { ours.Add(tOurs); theirs.Add(tTheirs); }
                }
                double a = Median(ours), b = Median(theirs);
                int same = ourIds.Zip(theirIds).Skip(promptLength).TakeWhile(p => p.First == p.Second).Count();
                Console.WriteLine($"{name,-14} engine {newTokens / a,7:F1} tok/s | llama.cpp {fileType} {newTokens / b,7:F1} tok/s | llama.cpp/engine {a / b,5:F2}x"
                    + $" | file {result.FileBytes / 1048576.0:F0} MiB ({types}) | same greedy tokens: {same}/{newTokens}");
                File.Delete(path);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Greedy decoding as GreedyGenerator runs a Llama (the prompt once into the key/value cache, then one token per step), without stopping at EOS.</summary>
    private static int[] EngineGreedy(LanguageModel model, int[] prompt, int newTokens)
    {
        var seq = new List<int>(prompt);
        var cache = model.CreateCache() ?? throw new InvalidOperationException($"{model.ModelType} keeps no key/value cache.");
        int[] ids = prompt;
        for (int i = 0; i < newTokens; i++)
        {
            var logits = model.ForwardCached(new ModelInput(new TokenBatch(1, ids.Length, ids)), cache, new ForwardOptions { LogitPositions = [ids.Length - 1] }).Logits;
            seq.Add(TensorOps.ArgMax(logits.Span.ToArray()));
            ids = [seq[^1]];
        }
        return seq.ToArray();
    }

    private static double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }

    private static int Arg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
    }

    /// <summary>llama.cpp on 2 threads, default settings but an F32 K/V cache, one token per decode after the prompt.</summary>
    private sealed class Runner : IDisposable
    {
        private readonly LLamaWeights _weights;
        private readonly LLamaContext _context;

        public Runner(string path)
        {
            var p = new ModelParams(path) { ContextSize = 128, Threads = 2, BatchThreads = 2, GpuLayerCount = 0, TypeK = GGMLType.GGML_TYPE_F32, TypeV = GGMLType.GGML_TYPE_F32 };
            _weights = LLamaWeights.LoadFromFile(p);
            _context = _weights.CreateContext(p);
        }

        public int[] Greedy(int[] prompt, int newTokens)
        {
            _context.NativeHandle.MemoryClear(true);
            var ids = new List<int>(prompt);
            var batch = new LLamaBatch();
            for (int i = 0; i < prompt.Length; i++) batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Length - 1);
            for (int step = 0; step < newTokens; step++)
            {
                if (_context.NativeHandle.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException("llama_decode failed.");
                var logits = _context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
                int next = 0;
                for (int v = 1; v < logits.Length; v++) if (logits[v] > logits[next]) next = v;
                ids.Add(next);
                batch.Clear();
                batch.Add((LLamaToken)next, ids.Count - 1, LLamaSeqId.Zero, logits: true);
            }
            return ids.ToArray();
        }

        public void Dispose() { _context.Dispose(); _weights.Dispose(); }
    }
}
