using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// AVX2/FMA micro-kernel for machines without AVX-512: a 6x16 tile of C in 12 ymm accumulators,
/// which with two B vectors and one broadcast uses 15 of the 16 ymm registers (the classic Haswell shape).
/// </summary>
internal static unsafe class GemmKernelAvx2
{
    public const int MR = 6;
    public const int NR = 16;

    /// <summary>C[MR, NR] = alpha * Apanel[kc, MR]^T * Bpanel[kc, NR] + beta * C; beta == 0 never reads C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.LoadAligned(b);
            Vector256<float> b1 = Vector256.LoadAligned(b + 8);
            Vector256<float> av;
            av = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += MR;
            b += NR;
        }

        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool read = beta != 0f;
        Row(c, c00, c01, va, vb, read);
        Row(c + ldc, c10, c11, va, vb, read);
        Row(c + 2 * ldc, c20, c21, va, vb, read);
        Row(c + 3 * ldc, c30, c31, va, vb, read);
        Row(c + 4 * ldc, c40, c41, va, vb, read);
        Row(c + 5 * ldc, c50, c51, va, vb, read);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> va, Vector256<float> vb, bool read)
    {
        if (read)
        {
            Vector256.Store(Fma.MultiplyAdd(x0, va, Vector256.Load(c) * vb), c);
            Vector256.Store(Fma.MultiplyAdd(x1, va, Vector256.Load(c + 8) * vb), c + 8);
        }
        else
        {
            Vector256.Store(x0 * va, c);
            Vector256.Store(x1 * va, c + 8);
        }
    }
}
