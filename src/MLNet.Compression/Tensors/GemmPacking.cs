using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// Packs blocks of op(A) and op(B) into the panel layout the micro-kernels stream through
/// (Goto and van de Geijn, "Anatomy of High-Performance Matrix Multiplication", 2008, section 4):
/// A block [mc, kc] becomes ceil(mc/MR) panels of [kc, MR], B block [kc, nc] becomes ceil(nc/NR) panels of [kc, NR].
/// Rows or columns past the matrix edge are zero, so the kernel always computes full tiles.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into panels of MR rows.</summary>
    public static void PackA(bool transA, float* a, nint lda, int i0, int mc, int p0, int kc, int mr, float* dest)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* panel = dest + (nint)(ir / mr) * kc * mr; // [kc, mr]
            if (transA)
            {
                // A stored [k, lda]: the MR values of one k step are contiguous.
                float* src = a + (nint)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++)
                    CopyPadded(src + p * lda, panel + (nint)p * mr, rows, mr);
            }
            else
            {
                // A stored [m, lda]: each row is contiguous along k, so this is a transpose.
                float* src = a + (nint)(i0 + ir) * lda + p0;
                Transpose(src, lda, rows, kc, panel, mr);
            }
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into panels of NR columns.</summary>
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int nc, int nr, float* dest)
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* panel = dest + (nint)(jr / nr) * kc * nr; // [kc, nr]
            if (transB)
            {
                // B stored [n, ldb] (a weight [out, in]): each column of op(B) is a contiguous row, so transpose.
                float* src = b + (nint)(j0 + jr) * ldb + p0;
                Transpose(src, ldb, cols, kc, panel, nr);
            }
            else
            {
                float* src = b + (nint)p0 * ldb + j0 + jr;
                for (int p = 0; p < kc; p++)
                    CopyPadded(src + p * ldb, panel + (nint)p * nr, cols, nr);
            }
        }
    }

    /// <summary>dest[0..width] = src[0..count] then zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPadded(float* src, float* dest, int count, int width)
    {
        int j = 0;
        if (count == width)
        {
            for (; j + 8 <= count; j += 8)
                Vector256.Store(Vector256.Load(src + j), dest + j);
        }
        for (; j < count; j++) dest[j] = src[j];
        for (; j < width; j++) dest[j] = 0f;
    }

    /// <summary>
    /// dest[p, r] = src[r, p] for r &lt; rows (row stride ld), p &lt; kc; dest rows are width wide, columns past rows are zero.
    /// </summary>
    private static void Transpose(float* src, nint ld, int rows, int kc, float* dest, int width)
    {
        int r = 0;
        if (Avx.IsSupported)
        {
            // 8x8 register transposes: reads 8 rows of 8 contiguous floats, writes 8 runs of 8 into the panel.
            for (; r + 8 <= rows; r += 8)
            {
                float* s = src + r * ld;
                float* d = dest + r;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                    Transpose8x8(s + p, ld, d + (nint)p * width, width);
                for (; p < kc; p++)
                    for (int i = 0; i < 8; i++)
                        d[(nint)p * width + i] = s[i * ld + p];
            }
        }

        for (; r < rows; r++)
        {
            float* s = src + r * ld;
            float* d = dest + r;
            for (int p = 0; p < kc; p++)
                d[(nint)p * width] = s[p];
        }

        for (int z = rows; z < width; z++)
        {
            float* d = dest + z;
            for (int p = 0; p < kc; p++)
                d[(nint)p * width] = 0f;
        }
    }

    /// <summary>Transposes an 8x8 block: d[j, i] = s[i, j] (unpack, shuffle, then swap 128-bit lanes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* s, nint ls, float* d, nint ld)
    {
        Vector256<float> r0 = Vector256.Load(s), r1 = Vector256.Load(s + ls), r2 = Vector256.Load(s + 2 * ls), r3 = Vector256.Load(s + 3 * ls);
        Vector256<float> r4 = Vector256.Load(s + 4 * ls), r5 = Vector256.Load(s + 5 * ls), r6 = Vector256.Load(s + 6 * ls), r7 = Vector256.Load(s + 7 * ls);

        // Interleave pairs of rows: t0 = a0 b0 a1 b1 | a4 b4 a5 b5, ...
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // Gather groups of four: u0 = a0 b0 c0 d0 | a4 b4 c4 d4, ...
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Join the low halves (columns 0..3) and the high halves (columns 4..7).
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x20), d);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x20), d + ld);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x20), d + 2 * ld);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x20), d + 3 * ld);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x31), d + 4 * ld);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x31), d + 5 * ld);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x31), d + 6 * ld);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x31), d + 7 * ld);
    }
}
