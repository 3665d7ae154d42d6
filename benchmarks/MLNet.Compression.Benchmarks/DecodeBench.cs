using System.Diagnostics;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Batch-1 decoding of a Llama-shaped model with random weights (12 layers, hidden 768, 12 heads, FFN 2048, vocabulary
/// 32000, untied head): `dotnet run -c Release --project benchmarks/MLNet.Compression.Benchmarks -- decode [threads] [steps]`.
/// For fp32, dynamic int8 (per-channel weights, every linear layer and the head) and 4-bit weight-only RTN (groups of 32
/// and of 128, every linear layer and the head): the prompt runs once into the key/value cache, then one token per step;
/// the median step time at prefix lengths 16, 128 and 512 (a flat row is a working cache), and tokens/s with the speed-up
/// over fp32 at prefix 128. Forms are measured in interleaved rounds so machine noise hits them alike.
/// </summary>
internal static class DecodeBench
{
    public const string LlamaConfig = """
        {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 768, "intermediate_size": 2048,
         "num_hidden_layers": 12, "num_attention_heads": 12, "num_key_value_heads": 12, "vocab_size": 32000,
         "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false,
         "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2}
        """;

    public static void Run(string[] args)
    {
        Gemm.MaxThreads = args.Length > 0 && int.TryParse(args[0], out int t) ? t : 2;
        int steps = args.Length > 1 && int.TryParse(args[1], out int s) ? s : 16;
        const int rounds = 3;
        int[] prefixes = [16, 128, 512];
        Console.WriteLine($"Llama-shaped 12 × 768 (FFN 2048, vocab 32000), batch 1, threads {Gemm.MaxThreads}, {steps} steps per measurement, {rounds} interleaved rounds, median");

        var dense = ModelLoader.CreateRandom(ConfigJson.Parse(LlamaConfig, "llama 12x768 (benchmark)"), seed: 0);
        var ctx = new CompressionContext(seed: 1);
        IModelEstimator<ModelTransformer> Everywhere(Func<ModuleGroup, IModelEstimator<ModelTransformer>> stage)
            => stage(ModuleGroup.All).Append(stage(ModuleGroup.Head));
        var forms = new List<(string Name, LanguageModel Model)>
        {
            ("fp32", dense),
            ("int8 dynamic", Everywhere(g => ctx.Quantization.DynamicInt8(g, perChannel: true)).Fit(dense).Model),
            ("4-bit g32", Everywhere(g => ctx.Quantization.WeightOnly(bits: 4, groupSize: 32, groups: g)).Fit(dense).Model),
            ("4-bit g128", Everywhere(g => ctx.Quantization.WeightOnly(bits: 4, groupSize: 128, groups: g)).Fit(dense).Model),
        };

        var times = forms.Select(_ => prefixes.Select(_ => new List<double>()).ToArray()).ToArray();
        for (int round = 0; round < rounds + 1; round++)   // round 0 warms up
            for (int f = 0; f < forms.Count; f++)
                for (int p = 0; p < prefixes.Length; p++)
                {
                    double ms = StepTime(forms[f].Model, prefixes[p], steps);
                    if (round > 0) times[f][p].Add(ms);
                }

        Console.WriteLine();
        Console.WriteLine($"| form | bytes | {string.Join(" | ", prefixes.Select(p => $"ms/token @ {p}"))} | tokens/s @ 128 | vs fp32 |");
        Console.WriteLine($"|---|---|{string.Join("", prefixes.Select(_ => "---|"))}---|---|");
        double baseline = Median(times[0][1]);
        for (int f = 0; f < forms.Count; f++)
        {
            var medians = times[f].Select(Median).ToArray();
            Console.WriteLine($"| {forms[f].Name} | {forms[f].Model.StorageBytes() / (1024.0 * 1024):F0} MiB | {string.Join(" | ", medians.Select(m => m.ToString("F2")))} | {1000 / medians[1]:F1} | {baseline / medians[1]:F2}× |");
        }
    }

    /// <summary>Median ms of one decoding step after a prompt of <paramref name="prefix"/> tokens went into the cache.</summary>
    private static double StepTime(LanguageModel model, int prefix, int steps)
    {
        var rng = new Random(prefix);
        var prompt = Enumerable.Range(0, prefix).Select(_ => rng.Next(3, model.VocabSize)).ToArray();
        var cache = model.CreateCache() ?? throw new InvalidOperationException($"{model.ModelType} keeps no key/value cache.");
        var options = new ForwardOptions { LogitPositions = [prefix - 1] };
        var logits = model.ForwardCached(new ModelInput(new TokenBatch(1, prefix, prompt)), cache, options).Logits;
        int next = TensorOps.ArgMax(logits.ReadOnlySpan);
        var step = new List<double>();
        var one = new ForwardOptions { LogitPositions = [0] };
        for (int i = 0; i < steps; i++)
        {
            var sw = Stopwatch.StartNew();
            logits = model.ForwardCached(new ModelInput(new TokenBatch(1, 1, [next])), cache, one).Logits;
            next = TensorOps.ArgMax(logits.ReadOnlySpan);
            step.Add(sw.Elapsed.TotalMilliseconds);
        }
        return Median(step);
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s[s.Count / 2];
    }
}
