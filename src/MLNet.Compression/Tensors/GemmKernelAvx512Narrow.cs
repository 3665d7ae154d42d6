using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// AVX-512 micro-kernel for narrow C: an 8x32 tile in 16 zmm accumulators (two 16-float vectors per row).
/// Same code shape as <see cref="GemmKernelAvx512Wide"/>; 32 columns and 8 rows divide the powers of two that attention
/// heads use (head dim 64, sequence 128), where a 48-wide tile would compute a third of its columns as padding.
/// </summary>
internal static unsafe class GemmKernelAvx512Narrow
{
    public const int MR = 8;
    public const int NR = 32;

    /// <summary>C[MR, NR] = alpha * Apanel[kc, MR]^T * Bpanel[kc, NR] + beta * C; beta == 0 never reads C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.LoadAligned(b);
            Vector512<float> b1 = Vector512.LoadAligned(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            a += MR;
            b += NR;
        }

        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool read = beta != 0f;
        Row(c, c00, c01, va, vb, read);
        Row(c + ldc, c10, c11, va, vb, read);
        Row(c + 2 * ldc, c20, c21, va, vb, read);
        Row(c + 3 * ldc, c30, c31, va, vb, read);
        Row(c + 4 * ldc, c40, c41, va, vb, read);
        Row(c + 5 * ldc, c50, c51, va, vb, read);
        Row(c + 6 * ldc, c60, c61, va, vb, read);
        Row(c + 7 * ldc, c70, c71, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, Vector512<float> vb, bool read)
    {
        if (read)
        {
            Vector512.Store(Avx512F.FusedMultiplyAdd(x0, va, Vector512.Load(c) * vb), c);
            Vector512.Store(Avx512F.FusedMultiplyAdd(x1, va, Vector512.Load(c + 16) * vb), c + 16);
        }
        else
        {
            // beta == 0: C is write-only, so NaN or garbage already there cannot leak into the result.
            Vector512.Store(x0 * va, c);
            Vector512.Store(x1 * va, c + 16);
        }
    }
}
