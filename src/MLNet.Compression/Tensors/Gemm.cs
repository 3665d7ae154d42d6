namespace MLNet.Compression.Tensors;

/// <summary>
/// Single-precision GEMM, BLAS semantics on row-major storage:
/// C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C[m,n].
/// op(A) is A (row-major [m, lda]) or, with transA, A^T where A is stored [k, lda].
/// op(B) is B (row-major [k, ldb]) or, with transB, B^T where B is stored [n, ldb].
/// </summary>
public static partial class Gemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        // Reference implementation; the blocked, packed, threaded kernel replaces it.
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    s += av * bv;
                }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]);
            }
        }
    }
}
