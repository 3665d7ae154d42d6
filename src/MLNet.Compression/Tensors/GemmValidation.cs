namespace MLNet.Compression.Tensors;

/// <summary>
/// Argument checks for the GEMM entry points. The kernels run on raw pointers, so every element they may touch
/// must be proven inside the spans before any pointer is taken.
/// </summary>
internal static class GemmValidation
{
    public static void Check(bool transA, bool transB, int m, int n, int k,
        long aLength, int lda, long bLength, int ldb, long cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);

        // Stored shapes: A is [m, lda] or [k, lda] (transA); B is [k, ldb] or [n, ldb] (transB); C is [m, ldc].
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols)) throw new ArgumentOutOfRangeException(nameof(lda), $"lda ({lda}) is smaller than a row of A ({aCols}).");
        if (ldb < Math.Max(1, bCols)) throw new ArgumentOutOfRangeException(nameof(ldb), $"ldb ({ldb}) is smaller than a row of B ({bCols}).");
        if (ldc < Math.Max(1, n)) throw new ArgumentOutOfRangeException(nameof(ldc), $"ldc ({ldc}) is smaller than a row of C ({n}).");

        if (m == 0 || n == 0)
            return;
        if (k > 0)
        {
            if (aLength < Extent(aRows, aCols, lda)) throw new ArgumentException($"A holds {aLength} floats, needs {Extent(aRows, aCols, lda)}.", "a");
            if (bLength < Extent(bRows, bCols, ldb)) throw new ArgumentException($"B holds {bLength} floats, needs {Extent(bRows, bCols, ldb)}.", "b");
        }
        if (cLength < Extent(m, n, ldc)) throw new ArgumentException($"C holds {cLength} floats, needs {Extent(m, n, ldc)}.", "c");
    }

    /// <summary>Floats spanned by a [rows, cols] matrix with row stride ld: the last row need not be padded.</summary>
    public static long Extent(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
}
