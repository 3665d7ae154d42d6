using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// Unpacked AVX-512 paths for problems where packing would cost as much as the multiply: few rows of op(A)
/// (a linear layer on 1..8 tokens streams each weight once) and tiny attention heads. Both read A, B and C in place.
/// Edge tiles clamp row pointers to the last valid row: the repeated rows are computed and discarded,
/// which keeps one register-resident code path instead of one per remainder.
/// </summary>
internal static unsafe class GemmDirect
{
    private const int Rows = 4; // rows of C per tile in both kernels

    /// <summary>
    /// op(B) = B^T with B stored [n, ldb], op(A) = A stored [m, lda]: every C element is a dot product of two contiguous
    /// rows along k. Tiles of 4 x 4 C elements keep 16 vector accumulators; the k tail uses masked loads.
    /// Computes columns n0..n1 of C.
    /// </summary>
    public static void DotTransB(in GemmArgs g, int n0, int n1)
    {
        int k = g.K;
        int kTail = k & 15;
        var tailMask = TailMask(kTail);
        for (int j = n0; j < n1; j += 4)
        {
            int cols = Math.Min(4, n1 - j);
            float* b0 = g.B + (nint)j * g.Ldb;
            float* b1 = g.B + (nint)(j + Math.Min(1, cols - 1)) * g.Ldb;
            float* b2 = g.B + (nint)(j + Math.Min(2, cols - 1)) * g.Ldb;
            float* b3 = g.B + (nint)(j + Math.Min(3, cols - 1)) * g.Ldb;
            for (int i = 0; i < g.M; i += Rows)
            {
                int rows = Math.Min(Rows, g.M - i);
                float* a0 = g.A + (nint)i * g.Lda;
                float* a1 = g.A + (nint)(i + Math.Min(1, rows - 1)) * g.Lda;
                float* a2 = g.A + (nint)(i + Math.Min(2, rows - 1)) * g.Lda;
                float* a3 = g.A + (nint)(i + Math.Min(3, rows - 1)) * g.Lda;

                Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default;
                Vector512<float> c10 = default, c11 = default, c12 = default, c13 = default;
                Vector512<float> c20 = default, c21 = default, c22 = default, c23 = default;
                Vector512<float> c30 = default, c31 = default, c32 = default, c33 = default;
                int p = 0;
                for (; p + 16 <= k; p += 16)
                {
                    Vector512<float> vb0 = Vector512.Load(b0 + p), vb1 = Vector512.Load(b1 + p);
                    Vector512<float> vb2 = Vector512.Load(b2 + p), vb3 = Vector512.Load(b3 + p);
                    Vector512<float> va = Vector512.Load(a0 + p);
                    c00 = Avx512F.FusedMultiplyAdd(va, vb0, c00); c01 = Avx512F.FusedMultiplyAdd(va, vb1, c01);
                    c02 = Avx512F.FusedMultiplyAdd(va, vb2, c02); c03 = Avx512F.FusedMultiplyAdd(va, vb3, c03);
                    va = Vector512.Load(a1 + p);
                    c10 = Avx512F.FusedMultiplyAdd(va, vb0, c10); c11 = Avx512F.FusedMultiplyAdd(va, vb1, c11);
                    c12 = Avx512F.FusedMultiplyAdd(va, vb2, c12); c13 = Avx512F.FusedMultiplyAdd(va, vb3, c13);
                    va = Vector512.Load(a2 + p);
                    c20 = Avx512F.FusedMultiplyAdd(va, vb0, c20); c21 = Avx512F.FusedMultiplyAdd(va, vb1, c21);
                    c22 = Avx512F.FusedMultiplyAdd(va, vb2, c22); c23 = Avx512F.FusedMultiplyAdd(va, vb3, c23);
                    va = Vector512.Load(a3 + p);
                    c30 = Avx512F.FusedMultiplyAdd(va, vb0, c30); c31 = Avx512F.FusedMultiplyAdd(va, vb1, c31);
                    c32 = Avx512F.FusedMultiplyAdd(va, vb2, c32); c33 = Avx512F.FusedMultiplyAdd(va, vb3, c33);
                }
                if (kTail != 0)
                {
                    // Masked loads read only the k - p valid floats and never touch memory past the row.
                    Vector512<float> z = default;
                    Vector512<float> vb0 = Avx512F.MaskLoad(b0 + p, tailMask, z), vb1 = Avx512F.MaskLoad(b1 + p, tailMask, z);
                    Vector512<float> vb2 = Avx512F.MaskLoad(b2 + p, tailMask, z), vb3 = Avx512F.MaskLoad(b3 + p, tailMask, z);
                    Vector512<float> va = Avx512F.MaskLoad(a0 + p, tailMask, z);
                    c00 = Avx512F.FusedMultiplyAdd(va, vb0, c00); c01 = Avx512F.FusedMultiplyAdd(va, vb1, c01);
                    c02 = Avx512F.FusedMultiplyAdd(va, vb2, c02); c03 = Avx512F.FusedMultiplyAdd(va, vb3, c03);
                    va = Avx512F.MaskLoad(a1 + p, tailMask, z);
                    c10 = Avx512F.FusedMultiplyAdd(va, vb0, c10); c11 = Avx512F.FusedMultiplyAdd(va, vb1, c11);
                    c12 = Avx512F.FusedMultiplyAdd(va, vb2, c12); c13 = Avx512F.FusedMultiplyAdd(va, vb3, c13);
                    va = Avx512F.MaskLoad(a2 + p, tailMask, z);
                    c20 = Avx512F.FusedMultiplyAdd(va, vb0, c20); c21 = Avx512F.FusedMultiplyAdd(va, vb1, c21);
                    c22 = Avx512F.FusedMultiplyAdd(va, vb2, c22); c23 = Avx512F.FusedMultiplyAdd(va, vb3, c23);
                    va = Avx512F.MaskLoad(a3 + p, tailMask, z);
                    c30 = Avx512F.FusedMultiplyAdd(va, vb0, c30); c31 = Avx512F.FusedMultiplyAdd(va, vb1, c31);
                    c32 = Avx512F.FusedMultiplyAdd(va, vb2, c32); c33 = Avx512F.FusedMultiplyAdd(va, vb3, c33);
                }

                // Reduce four accumulators of one C row at once: the sums land in lanes 0..3.
                float* c = g.C + (nint)i * g.Ldc + j;
                StoreDots(c, Sum4(c00, c01, c02, c03), cols, g.Alpha, g.Beta);
                if (rows > 1) StoreDots(c + g.Ldc, Sum4(c10, c11, c12, c13), cols, g.Alpha, g.Beta);
                if (rows > 2) StoreDots(c + 2 * g.Ldc, Sum4(c20, c21, c22, c23), cols, g.Alpha, g.Beta);
                if (rows > 3) StoreDots(c + 3 * g.Ldc, Sum4(c30, c31, c32, c33), cols, g.Alpha, g.Beta);
            }
        }
    }

    /// <summary>
    /// op(B) = B stored [k, ldb] (rows contiguous along n), op(A) read in place with any transpose:
    /// C[i, j..j+32] accumulates op(A)[i, p] * B[p, j..j+32] over p, 4 rows at a time in 8 accumulators;
    /// the column tail uses masked loads and stores. Computes columns n0..n1 of C.
    /// </summary>
    public static void AxpyNoTransB(in GemmArgs g, int n0, int n1)
    {
        // Element (i, p) of op(A) lives at A + i*rs + p*cs.
        nint rs = g.TransA ? 1 : g.Lda, cs = g.TransA ? g.Lda : 1;
        for (int j = n0; j < n1; j += 32)
        {
            int cols = Math.Min(32, n1 - j);
            var m0 = TailMask(Math.Min(16, cols)); // all ones when cols >= 16
            var m1 = TailMask(Math.Max(0, cols - 16));
            for (int i = 0; i < g.M; i += Rows)
            {
                int rows = Math.Min(Rows, g.M - i);
                float* a0 = g.A + i * rs;
                float* a1 = g.A + (i + Math.Min(1, rows - 1)) * rs;
                float* a2 = g.A + (i + Math.Min(2, rows - 1)) * rs;
                float* a3 = g.A + (i + Math.Min(3, rows - 1)) * rs;
                float* b = g.B + j;

                Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
                Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
                Vector512<float> z = default;
                for (int p = 0; p < g.K; p++)
                {
                    Vector512<float> vb0 = Avx512F.MaskLoad(b, m0, z), vb1 = Avx512F.MaskLoad(b + 16, m1, z);
                    nint off = p * cs;
                    Vector512<float> va = Vector512.Create(a0[off]);
                    c00 = Avx512F.FusedMultiplyAdd(va, vb0, c00); c01 = Avx512F.FusedMultiplyAdd(va, vb1, c01);
                    va = Vector512.Create(a1[off]);
                    c10 = Avx512F.FusedMultiplyAdd(va, vb0, c10); c11 = Avx512F.FusedMultiplyAdd(va, vb1, c11);
                    va = Vector512.Create(a2[off]);
                    c20 = Avx512F.FusedMultiplyAdd(va, vb0, c20); c21 = Avx512F.FusedMultiplyAdd(va, vb1, c21);
                    va = Vector512.Create(a3[off]);
                    c30 = Avx512F.FusedMultiplyAdd(va, vb0, c30); c31 = Avx512F.FusedMultiplyAdd(va, vb1, c31);
                    b += g.Ldb;
                }

                float* c = g.C + (nint)i * g.Ldc + j;
                StoreRow(c, c00, c01, m0, m1, g.Alpha, g.Beta);
                if (rows > 1) StoreRow(c + g.Ldc, c10, c11, m0, m1, g.Alpha, g.Beta);
                if (rows > 2) StoreRow(c + 2 * g.Ldc, c20, c21, m0, m1, g.Alpha, g.Beta);
                if (rows > 3) StoreRow(c + 3 * g.Ldc, c30, c31, m0, m1, g.Alpha, g.Beta);
            }
        }
    }

    /// <summary>Lanes 0..count-1 set (as float bit patterns of all ones), the rest clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask(int count)
        => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>(sum x0, sum x1, sum x2, sum x3) in lanes 0..3, by pairwise unpack-and-add like a 4x4 transpose.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3)
    {
        // Fold 512 -> 128 bits per accumulator, then a 4x4 transpose-add.
        Vector128<float> s0 = Fold(x0), s1 = Fold(x1), s2 = Fold(x2), s3 = Fold(x3);
        Vector128<float> t0 = Sse.UnpackLow(s0, s1) + Sse.UnpackHigh(s0, s1); // s0a+s0c s1a+s1c s0b+s0d s1b+s1d
        Vector128<float> t1 = Sse.UnpackLow(s2, s3) + Sse.UnpackHigh(s2, s3);
        return Sse.MoveLowToHigh(t0, t1) + Sse.MoveHighToLow(t1, t0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fold(Vector512<float> x)
    {
        Vector256<float> h = x.GetLower() + x.GetUpper();
        return h.GetLower() + h.GetUpper();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDots(float* c, Vector128<float> dots, int cols, float alpha, float beta)
    {
        for (int j = 0; j < cols; j++)
            c[j] = beta == 0f ? alpha * dots[j] : alpha * dots[j] + beta * c[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> m0, Vector512<float> m1, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Avx512F.MaskStore(c, m0, x0 * va);
            Avx512F.MaskStore(c + 16, m1, x1 * va);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Vector512<float> z = default;
            Avx512F.MaskStore(c, m0, Avx512F.FusedMultiplyAdd(x0, va, Avx512F.MaskLoad(c, m0, z) * vb));
            Avx512F.MaskStore(c + 16, m1, Avx512F.FusedMultiplyAdd(x1, va, Avx512F.MaskLoad(c + 16, m1, z) * vb));
        }
    }
}
