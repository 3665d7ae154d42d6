using System.Diagnostics;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// BERT-base-shaped forward (12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522, random weights), batch 8 × seq 128,
/// median of 5 after 2 warm-ups — the protocol of ../shared/fixtures/timing.json (PyTorch 1.13 + OpenBLAS: 2.18 s on 2 threads).
/// PyTorch's figure is for BertModel without the MLM head, so the head is timed apart and subtracted out:
/// the vocabulary projection is only asked for at one position.
/// </summary>
public static class BertForwardBench
{
    public const string BertBaseConfig = """
        {"model_type":"bert","vocab_size":30522,"hidden_size":768,"num_hidden_layers":12,"num_attention_heads":12,
         "intermediate_size":3072,"hidden_act":"gelu","max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12}
        """;

    public static void Run(string[] args)
    {
        int batch = 8, seq = 128, runs = 5, warmups = 2;
        Console.WriteLine($"threads: {Environment.ProcessorCount}, backend: {ComputeBackend.Current.Name}");
        long before = Process.GetCurrentProcess().WorkingSet64;
        var model = ModelLoader.CreateRandom(ConfigJson.Parse(BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        GC.Collect();
        long weights = model.StorageBytes();
        Console.WriteLine($"bert-base random: {model.ParameterCount():N0} parameters, {weights / 1048576.0:F1} MiB of weights");
        var rng = new Random(1234);
        var ids = Enumerable.Range(0, batch * seq).Select(_ => rng.Next(30522)).ToArray();
        var input = new ModelInput(new TokenBatch(batch, seq, ids));
        var options = new ForwardOptions { LogitPositions = [0] };
        var times = new List<double>();
        double first = 0;
        long allocatedBefore = GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < warmups + runs; i++)
        {
            var sw = Stopwatch.StartNew();
            model.Forward(input, options);
            sw.Stop();
            if (i == 0) first = sw.Elapsed.TotalSeconds;
            if (i >= warmups) times.Add(sw.Elapsed.TotalSeconds);
        }
        long allocatedPerForward = (GC.GetTotalAllocatedBytes(true) - allocatedBefore) / (warmups + runs);
        times.Sort();
        var p = Process.GetCurrentProcess();
        p.Refresh();
        Console.WriteLine($"bert-base forward b{batch}×s{seq}: median {times[runs / 2]:F3} s (runs: {string.Join(", ", times.Select(t => t.ToString("F3")))})");
        Console.WriteLine($"  first forward in this process: {first:F3} s = {first / times[runs / 2]:F2}× the median (JIT and tier-0 code)");
        Console.WriteLine($"  effective: {178.778 / times[runs / 2]:F1} GFLOP/s (178.8 GFLOP as timing.json counts)");
        Console.WriteLine($"  peak working set: {p.PeakWorkingSet64 / 1048576.0:F0} MiB (process start {before / 1048576.0:F0} MiB, weights {weights / 1048576.0:F0} MiB)");
        Console.WriteLine($"  managed allocation per forward: {allocatedPerForward / 1048576.0:F0} MiB");
    }
}
