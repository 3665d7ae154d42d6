namespace MLNet.Compression.Tensors;

public static partial class Gemm
{
    /// <summary>
    /// <paramref name="batch"/> independent GEMMs with the same shapes, item i reading A at i*strideA, B at i*strideB
    /// and writing C at i*strideC (attention: one item per head, strides step over heads).
    /// Small items run one per thread; large items run one after another, each threaded inside.
    /// </summary>
    public static unsafe void SgemmBatched(bool transA, bool transB, int batch, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, long strideA, ReadOnlySpan<float> b, int ldb, long strideB,
        float beta, Span<float> c, int ldc, long strideC)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        ArgumentOutOfRangeException.ThrowIfNegative(strideC);
        if (batch == 0 || m == 0 || n == 0)
            return;
        // The last item reaches furthest, and strides are non-negative, so checking it checks them all.
        long last = batch - 1;
        GemmValidation.Check(transA, transB, m, n, k, a.Length - last * strideA, lda, b.Length - last * strideB, ldb,
            c.Length - last * strideC, ldc);
        if (batch > 1 && strideC < GemmValidation.Extent(m, n, ldc))
            throw new ArgumentException("strideC makes batch items of C overlap.", nameof(strideC));

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            nint ia = (nint)pa, ib = (nint)pb, ic = (nint)pc;
            int threads = Math.Min(MaxThreads, batch);
            bool perItemThreads = (long)m * n * k >= ParallelThreshold;
            if (threads == 1 || perItemThreads || (long)m * n * k * batch < ParallelThreshold)
            {
                for (long i = 0; i < batch; i++)
                    Run(Item(i), perItemThreads ? MaxThreads : 1);
                return;
            }

            // Contiguous ranges of items per thread keep each thread's packing buffers warm.
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                long lo = (long)batch * t / threads, hi = (long)batch * (t + 1) / threads;
                for (long i = lo; i < hi; i++)
                    Run(Item(i), 1);
            });

            GemmArgs Item(long i) => new(transA, transB, m, n, k, alpha,
                (float*)ia + i * strideA, lda, (float*)ib + i * strideB, ldb, beta, (float*)ic + i * strideC, ldc);
        }
    }
}
