using System.Diagnostics;
using MLNet.Compression.Quantization;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Quantized linear layers against fp32 dense at the same shapes, 2 threads, median of runs:
/// int8 dynamic (768→3072, 1024 tokens), 4-bit weight-only at batch 1, fp16/bf16 at batch 1, and a BERT-base-shaped
/// model end to end after dynamic int8 (time and size).
/// </summary>
public static class QuantBench
{
    private static double Median(Action run, int runs, int warmups = 2)
    {
        for (int i = 0; i < warmups; i++) run();
        var t = new List<double>();
        for (int i = 0; i < runs; i++) { var sw = Stopwatch.StartNew(); run(); t.Add(sw.Elapsed.TotalMilliseconds); }
        t.Sort();
        return t[runs / 2];
    }

    private static Tensor Random(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        var d = new float[rows * cols];
        for (int i = 0; i < d.Length; i++) d[i] = (float)(rng.NextDouble() * 2 - 1) * 0.05f;
        return new Tensor(d, rows, cols);
    }

    public static void Run(string[] args)
    {
        Gemm.MaxThreads = 2;
        Console.WriteLine($"threads: {Gemm.MaxThreads}, fp32 kernel: {Gemm.KernelName}, int8 kernel: {Int8Gemm.Best}");
        int inF = 768, outF = 3072, tokens = 1024;
        var w = Random(outF, inF, 1);
        var dense = new DenseWeight(w);
        var x = Random(tokens, inF, 2);
        var y = new float[tokens * outF];
        double tDense = Median(() => dense.MultiplyTransposed(x.ReadOnlySpan, tokens, y), 9);
        var int8 = Int8Weight.Quantize(w, perChannel: false, QuantizationEngine.Fbgemm);
        double tInt8 = Median(() => int8.MultiplyTransposed(x.ReadOnlySpan, tokens, y), 9);
        var int8q = Int8Weight.Quantize(w, perChannel: true, QuantizationEngine.Qnnpack);
        double tInt8q = Median(() => int8q.MultiplyTransposed(x.ReadOnlySpan, tokens, y), 9);
        Console.WriteLine($"linear {inF}->{outF} x {tokens} tokens: fp32 {tDense:F2} ms | int8 fbgemm (7-bit act) {tInt8:F2} ms ({tDense / tInt8:F2}x) | int8 qnnpack (8-bit act) {tInt8q:F2} ms ({tDense / tInt8q:F2}x)");

        var x1 = Random(1, inF, 3);
        var y1 = new float[outF];
        double g32 = Median(() => dense.MultiplyTransposed(x1.ReadOnlySpan, 1, y1), 51, 5);
        var q4 = RtnQuantizer.Quantize(w, 4, 128, symmetric: false);
        double g4 = Median(() => q4.MultiplyTransposed(x1.ReadOnlySpan, 1, y1), 51, 5);
        var f16 = new HalfWeight(w, HalfKind.Float16);
        double g16 = Median(() => f16.MultiplyTransposed(x1.ReadOnlySpan, 1, y1), 51, 5);
        var b16 = new HalfWeight(w, HalfKind.BFloat16);
        double gb16 = Median(() => b16.MultiplyTransposed(x1.ReadOnlySpan, 1, y1), 51, 5);
        Console.WriteLine($"batch 1 {inF}->{outF}: fp32 {g32 * 1000:F0} us {dense.StorageBytes / 1024} KiB | 4-bit g128 {g4 * 1000:F0} us ({g32 / g4:F2}x) {q4.StorageBytes / 1024} KiB ({(double)q4.StorageBytes / dense.StorageBytes:F3} of fp32)"
            + $" | fp16 {g16 * 1000:F0} us ({g32 / g16:F2}x) | bf16 {gb16 * 1000:F0} us ({g32 / gb16:F2}x)");

        if (args.Contains("--no-bert")) return;
        var model = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        var rng = new Random(1234);
        var input = new ModelInput(new TokenBatch(8, 128, Enumerable.Range(0, 8 * 128).Select(_ => rng.Next(30522)).ToArray()));
        var options = new ForwardOptions { LogitPositions = [0] };
        double tFp32 = Median(() => model.Forward(input, options), 5) / 1000;
        var q = new CompressionContext(seed: 1).Quantization.DynamicInt8().Fit(model).Model;
        double tQ = Median(() => q.Forward(input, options), 5) / 1000;
        Console.WriteLine($"bert-base b8xs128: fp32 {tFp32:F3} s, {model.StorageBytes() / 1048576.0:F0} MiB | dynamic int8 (all but head) {tQ:F3} s ({tFp32 / tQ:F2}x), {q.StorageBytes() / 1048576.0:F0} MiB");
    }
}
