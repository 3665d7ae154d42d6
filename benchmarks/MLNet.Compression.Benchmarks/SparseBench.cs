using System.Diagnostics;
using MLNet.Compression.Pruning;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Sparse against dense linear layers at BERT-base's FFN-up shape (768→3072):
/// `dotnet run -c Release --project benchmarks/MLNet.Compression.Benchmarks -- sparse [threads]` (default 2 threads).
/// For 1024 tokens and for batch 1: fp32 dense (the AVX-512/AVX2 SGEMM) against CSR at 50–90% and 2:4 / 4:8 N:M,
/// 9 interleaved rounds after 2 warm-ups (median time, median per-round speed-up), with the weight bytes. The crossover where CSR starts to pay sets
/// <see cref="PruningOptions.CsrMinSparsity"/>.
/// </summary>
internal static class SparseBench
{
    private const int Warmups = 2, Runs = 9, In = 768, Out = 3072;

    public static void Run(string[] args)
    {
        Gemm.MaxThreads = args.Length > 0 && int.TryParse(args[0], out int t) ? t : 2;
        Console.WriteLine($"linear {In}->{Out}, threads {Gemm.MaxThreads}, dense kernel {Gemm.KernelName}, {Runs} interleaved rounds after {Warmups} warm-ups");
        var rng = new Random(1);
        var w = Enumerable.Range(0, Out * In).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [out, in]
        var abs = w.Select(MathF.Abs).ToArray();
        var forms = new List<(string Name, IWeight Weight)> { ("dense fp32", new DenseWeight(new Tensor(w, Out, In))) };
        foreach (double s in new[] { 0.5, 0.6, 0.7, 0.8, 0.9 })
        {
            var pruned = (float[])w.Clone();
            var mask = new bool[w.Length];
            MaskSelection.MarkSmallest(abs, MaskSelection.CountToPrune(s, w.Length), mask);
            MaskSelection.Apply(pruned, mask);
            forms.Add(($"csr {s:P0}", CsrWeight.FromDense(new Tensor(pruned, Out, In))));
        }
        foreach (var (n, m) in new[] { (2, 4), (4, 8) })
        {
            var pruned = (float[])w.Clone();
            var mask = new bool[w.Length];
            MaskSelection.MarkNM(abs, In, n, m, mask);
            MaskSelection.Apply(pruned, mask);
            forms.Add(($"{n}:{m}", NMWeight.FromDense(new Tensor(pruned, Out, In), n, m)));
        }
        foreach (int tokens in new[] { 1024, 1 })
        {
            var x = Enumerable.Range(0, tokens * In).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [tokens, in]
            var y = new float[tokens * Out]; // [tokens, out]
            // Rounds interleave the forms (dense, csr 50%, ..., dense, csr 50%, ...), and each form's speed-up is the median of
            // its per-round ratio to the dense time of the same round: on a shared, loaded machine this is far steadier
            // than comparing medians taken minutes apart.
            int reps = tokens == 1 ? 100 : 2;
            var times = new double[forms.Count, Runs];
            for (int r = -Warmups; r < Runs; r++)
                for (int f = 0; f < forms.Count; f++)
                {
                    var sw = Stopwatch.StartNew();
                    for (int i = 0; i < reps; i++) forms[f].Weight.MultiplyTransposed(x, tokens, y);
                    sw.Stop();
                    if (r >= 0) times[f, r] = sw.Elapsed.TotalMilliseconds / reps;
                }
            Console.WriteLine($"\n{tokens} token(s)");
            Console.WriteLine($"{"form",-12} {"ms",9} {"speed-up",9} {"MiB",8}");
            for (int f = 0; f < forms.Count; f++)
            {
                var ms = Enumerable.Range(0, Runs).Select(r => times[f, r]).OrderBy(v => v).ToArray();
                var ratio = Enumerable.Range(0, Runs).Select(r => times[0, r] / times[f, r]).OrderBy(v => v).ToArray();
                Console.WriteLine($"{forms[f].Name,-12} {ms[Runs / 2],9:F3} {ratio[Runs / 2],8:F2}x {forms[f].Weight.StorageBytes / 1048576.0,8:F2}");
            }

        }
    }
}
