namespace MLNet.Compression.Tensors;

public static partial class Gemm
{
    /// <summary>
    /// The textbook triple loop with the same contract as <see cref="Sgemm"/>, accumulating in double.
    /// Tests compare the fast path against it; it is never used for real work.
    /// </summary>
    internal static void SgemmReference(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += (double)av * bv;
                }
                c[i * ldc + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * (double)c[i * ldc + j]));
            }
        }
    }
}
