using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// AVX-512 micro-kernel: a 12x32 tile of C held in 24 zmm accumulators (two 16-float vectors per row).
/// Per k step it loads one 32-float row of the packed B panel and broadcasts MR values of the packed A panel,
/// so 24 FMAs share 12 broadcasts and 2 loads; with 32 zmm registers this leaves room for B and one broadcast.
/// Every accumulator is its own local so that the JIT keeps each in a register (arrays or spans would spill).
/// </summary>
internal static unsafe class GemmKernelAvx512
{
    public const int MR = 12;
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
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
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
            av = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(av, b0, c80); c81 = Avx512F.FusedMultiplyAdd(av, b1, c81);
            av = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(av, b0, c90); c91 = Avx512F.FusedMultiplyAdd(av, b1, c91);
            av = Vector512.Create(a[10]); c100 = Avx512F.FusedMultiplyAdd(av, b0, c100); c101 = Avx512F.FusedMultiplyAdd(av, b1, c101);
            av = Vector512.Create(a[11]); c110 = Avx512F.FusedMultiplyAdd(av, b0, c110); c111 = Avx512F.FusedMultiplyAdd(av, b1, c111);
            a += 12;
            b += 32;
        }

        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            StoreRow(c + 0 * ldc, c00, c01, va);
            StoreRow(c + 1 * ldc, c10, c11, va);
            StoreRow(c + 2 * ldc, c20, c21, va);
            StoreRow(c + 3 * ldc, c30, c31, va);
            StoreRow(c + 4 * ldc, c40, c41, va);
            StoreRow(c + 5 * ldc, c50, c51, va);
            StoreRow(c + 6 * ldc, c60, c61, va);
            StoreRow(c + 7 * ldc, c70, c71, va);
            StoreRow(c + 8 * ldc, c80, c81, va);
            StoreRow(c + 9 * ldc, c90, c91, va);
            StoreRow(c + 10 * ldc, c100, c101, va);
            StoreRow(c + 11 * ldc, c110, c111, va);
        }
        else
        {
            var vb = Vector512.Create(beta);
            UpdateRow(c + 0 * ldc, c00, c01, va, vb);
            UpdateRow(c + 1 * ldc, c10, c11, va, vb);
            UpdateRow(c + 2 * ldc, c20, c21, va, vb);
            UpdateRow(c + 3 * ldc, c30, c31, va, vb);
            UpdateRow(c + 4 * ldc, c40, c41, va, vb);
            UpdateRow(c + 5 * ldc, c50, c51, va, vb);
            UpdateRow(c + 6 * ldc, c60, c61, va, vb);
            UpdateRow(c + 7 * ldc, c70, c71, va, vb);
            UpdateRow(c + 8 * ldc, c80, c81, va, vb);
            UpdateRow(c + 9 * ldc, c90, c91, va, vb);
            UpdateRow(c + 10 * ldc, c100, c101, va, vb);
            UpdateRow(c + 11 * ldc, c110, c111, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va)
    {
        Vector512.Store(x0 * va, c);
        Vector512.Store(x1 * va, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> va, Vector512<float> vb)
    {
        Vector512.Store(Avx512F.FusedMultiplyAdd(x0, va, Vector512.Load(c) * vb), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(x1, va, Vector512.Load(c + 16) * vb), c + 16);
    }
}
