using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>Decides when the unpacked <see cref="GemmDirect"/> kernels beat packing, and splits their columns over threads.</summary>
internal static unsafe class GemmDirectDispatch
{
    /// <summary>Rows of op(A) up to which streaming B in place beats packing it (decode steps, small batches).</summary>
    internal const int MaxRows = 32;

    /// <summary>
    /// Depth below which the dot-product kernel loses to packing: it pays a horizontal reduction of 16 accumulators
    /// per 4x4 tile, which only long rows amortise (measured: QK^T at 64x64, d=64 runs ~97 GFLOP/s packed, ~35 direct).
    /// </summary>
    internal const int MinDotDepth = 128;

    /// <summary>
    /// Multiply-adds below which call and packing overhead dominate (short-sequence attention heads): at 7x7x64 direct
    /// runs ~30 GFLOP/s against ~3 packed, while at 64x64x64 packing already wins (~97 against ~80).
    /// </summary>
    internal const long MaxTinyWork = 1 << 15;

    public static bool TryRun(in GemmArgs g, int maxThreads)
    {
        if (!Avx512F.IsSupported)
            return false;
        long work = (long)g.M * g.N * g.K;
        bool dot = g.TransB && !g.TransA;
        bool use = dot
            ? (g.M <= MaxRows && g.K >= MinDotDepth) || work <= MaxTinyWork
            : !g.TransB && (g.M <= MaxRows || work <= MaxTinyWork); // A^T B^T is rare: always packed
        if (!use)
            return false;

        int unit = dot ? 4 : 32;
        int units = (g.N + unit - 1) / unit;
        int threads = work < Gemm.ParallelThreshold ? 1 : Math.Min(maxThreads, units);
        if (threads <= 1)
        {
            Columns(g, dot, 0, g.N);
            return true;
        }

        GemmArgs args = g;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int lo = Math.Min(args.N, (int)((long)units * t / threads) * unit);
            int hi = Math.Min(args.N, (int)((long)units * (t + 1) / threads) * unit);
            if (lo < hi)
                Columns(args, dot, lo, hi);
        });
        return true;
    }

    private static void Columns(in GemmArgs g, bool dot, int n0, int n1)
    {
        if (dot)
            GemmDirect.DotTransB(g, n0, n1);
        else
            GemmDirect.AxpyNoTransB(g, n0, n1);
    }
}
