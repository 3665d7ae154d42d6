namespace MLNet.Compression.Tensors;

/// <summary>
/// Single-precision GEMM, BLAS semantics on row-major storage:
/// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n].
/// op(A) is A (row-major [m, lda]) or, with transA, A^T where A is stored [k, lda].
/// op(B) is B (row-major [k, ldb]) or, with transB, B^T where B is stored [n, ldb].
/// beta == 0 overwrites C without reading it, so garbage (even NaN) in C does not leak into the result.
/// </summary>
/// <remarks>
/// Blocked and packed in the style of GotoBLAS/BLIS (<see cref="GemmDriver"/>), with an AVX-512, AVX2 or scalar
/// micro-kernel picked at startup (<see cref="GemmBlocking"/>). Large problems are split over threads; small ones
/// (attention heads) run on the calling thread with no thread hand-off.
/// </remarks>
public static partial class Gemm
{
    private static int s_maxThreads = Environment.ProcessorCount;

    /// <summary>Most threads one call may use (default: <see cref="Environment.ProcessorCount"/>); 1 keeps every call on the caller.</summary>
    public static int MaxThreads
    {
        get => s_maxThreads;
        set => s_maxThreads = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), "MaxThreads must be at least 1.");
    }

    /// <summary>Name of the micro-kernel in use ("avx512", "avx2" or "scalar"), for logs and benchmark reports.</summary>
    public static string KernelName => GemmBlocking.Current.Name;

    /// <summary>
    /// Multiply-adds (m*n*k) below which a call stays on one thread: about 100 µs of work,
    /// well above the few microseconds it costs to wake a pool thread.
    /// </summary>
    internal const long ParallelThreshold = 1L << 22;

    public static unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmValidation.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
            return;

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var g = new GemmArgs(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
            Run(g, MaxThreads);
        }
    }

    /// <summary>Sgemm with a chosen kernel and blocking, so tests can cover kernels and loop edges this CPU would not pick.</summary>
    internal static unsafe void SgemmWith(GemmBlocking blocking, int maxThreads, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmValidation.Check(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
            return;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            Run(new GemmArgs(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc), maxThreads, blocking);
    }

    /// <summary>Runs one checked problem on up to <paramref name="maxThreads"/> threads.</summary>
    internal static unsafe void Run(in GemmArgs g, int maxThreads, GemmBlocking? blocking = null)
    {
        if (g.K == 0 || g.Alpha == 0f)
        {
            ScaleC(g);
            return;
        }
        if (blocking is null && GemmDirectDispatch.TryRun(g, maxThreads))
            return;
        GemmBlocking blk = blocking ?? GemmBlocking.For(g.N);

        int threads = (long)g.M * g.N * g.K < ParallelThreshold ? 1 : maxThreads;
        if (threads == 1)
        {
            GemmDriver.Compute(blk, g, 0, g.M, 0, g.N);
            return;
        }

        // Split the dimension whose panels are cheaper to pack twice: splitting N repacks A in every thread,
        // splitting M repacks B. Slices are whole tiles so no thread computes a ragged edge it could avoid.
        bool splitN = g.M <= g.N;
        int extent = splitN ? g.N : g.M;
        int unit = splitN ? blk.NR : blk.MR;
        int units = (extent + unit - 1) / unit;
        threads = Math.Min(threads, units);
        if (threads <= 1)
        {
            GemmDriver.Compute(blk, g, 0, g.M, 0, g.N);
            return;
        }

        GemmArgs args = g;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            int lo = Math.Min(extent, (int)((long)units * t / threads) * unit);
            int hi = Math.Min(extent, (int)((long)units * (t + 1) / threads) * unit);
            if (lo >= hi)
                return;
            if (splitN)
                GemmDriver.Compute(blk, args, 0, args.M, lo, hi);
            else
                GemmDriver.Compute(blk, args, lo, hi, 0, args.N);
        });
    }

    /// <summary>C = beta * C, the whole answer when k == 0 or alpha == 0 (beta == 0 writes zeros, as BLAS does).</summary>
    private static unsafe void ScaleC(in GemmArgs g)
    {
        for (int i = 0; i < g.M; i++)
        {
            var row = new Span<float>(g.C + i * g.Ldc, g.N);
            if (g.Beta == 0f)
                row.Clear();
            else if (g.Beta != 1f)
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, g.Beta, row);
        }
    }
}
