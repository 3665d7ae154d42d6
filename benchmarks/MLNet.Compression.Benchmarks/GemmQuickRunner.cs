using System.Diagnostics;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// A stopwatch check of GEMM throughput that runs in seconds, for iterating on kernels:
/// `dotnet run -c Release --project benchmarks/MLNet.Compression.Benchmarks -- gemm [threads]`.
/// Each shape: 2 warm-up calls, then the median of 7 timed calls, reported as GFLOP/s (2*m*n*k flops per call).
/// </summary>
internal static class GemmQuickRunner
{
    private const int Warmups = 2, Runs = 7;

    // (name, transB, m, n, k): the BERT-base shapes are linear layers y = x W^T with W stored [out, in].
    private static readonly (string Name, bool TransB, int M, int N, int K)[] Shapes =
    [
        ("square 1024^3           ", false, 1024, 1024, 1024),
        ("x[1024,768]  W[3072,768]^T", true, 1024, 3072, 768),
        ("x[768,3072]  @ [3072,768] ", false, 768, 768, 3072),
        ("x[768,3072]  W[768,3072]^T", true, 768, 768, 3072),
        ("x[128,768]   W[768,768]^T ", true, 128, 768, 768),
        ("x[32,768]    W[768,768]^T ", true, 32, 768, 768),
        ("x[16,768]    W[768,768]^T ", true, 16, 768, 768),
        ("x[32,768]    @ [768,768]  ", false, 32, 768, 768),
        ("x[4,768]     W[3072,768]^T", true, 4, 3072, 768),
        ("x[1,4096]    W[4096,4096]^T", true, 1, 4096, 4096),
        ("attn QK^T 128x128 d64     ", true, 128, 128, 64),
        ("attn PV   128x64  k128    ", false, 128, 64, 128),
        ("attn QK^T 7x7 d64         ", true, 7, 7, 64),
        ("attn PV   7x64 k7         ", false, 7, 64, 7),
        ("attn QK^T 64x64 d64       ", true, 64, 64, 64),
        ("attn PV   64x64 k64       ", false, 64, 64, 64),
        ("attn QK^T 512x512 d64     ", true, 512, 512, 64),
    ];

    public static void Run(string[] args)
    {
        if (args.Length > 0 && int.TryParse(args[0], out int threads))
            Gemm.MaxThreads = threads;
        Console.WriteLine($"kernel {Gemm.KernelName}, threads {Gemm.MaxThreads}, median of {Runs} after {Warmups} warm-ups");
        foreach (var (name, transB, m, n, k) in Shapes)
        {
            var a = Random(m * k, 1);
            var b = Random(k * n, 2);
            var c = new float[m * n];
            int ldb = transB ? k : n;
            int reps = Math.Max(1, (int)(2e8 / (2.0 * m * n * k))); // keep each timed sample near 1 ms or more
            var times = new double[Runs];
            for (int r = -Warmups; r < Runs; r++)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < reps; i++)
                    Gemm.Sgemm(false, transB, m, n, k, 1f, a, k, b, ldb, 0f, c, n);
                sw.Stop();
                if (r >= 0) times[r] = sw.Elapsed.TotalSeconds / reps;
            }
            Array.Sort(times);
            double median = times[Runs / 2];
            double flops = 2.0 * m * n * k;
            // The best run is printed too: on a shared machine it shows what the code does when nothing else runs.
            Console.WriteLine($"{name}  m={m,5} n={n,5} k={k,5}  {median * 1e3,9:F3} ms  {flops / median / 1e9,7:F1} GFLOP/s  (best {flops / times[0] / 1e9,6:F1})");
        }
    }

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
