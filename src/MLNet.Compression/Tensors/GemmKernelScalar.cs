namespace MLNet.Compression.Tensors;

/// <summary>
/// Portable micro-kernel for CPUs without AVX2 (ARM, old x86). Same packed layout as the SIMD kernels,
/// so the blocking driver and packing are shared; the JIT may still auto-vectorize nothing here, it is the safety net.
/// </summary>
internal static unsafe class GemmKernelScalar
{
    public const int MR = 4;
    public const int NR = 8;

    /// <summary>C[MR, NR] = alpha * Apanel[kc, MR]^T * Bpanel[kc, NR] + beta * C; beta == 0 never reads C.</summary>
    public static void Run(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        float* acc = stackalloc float[MR * NR]; // [MR, NR]
        new Span<float>(acc, MR * NR).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < MR; i++)
            {
                float av = a[i];
                float* row = acc + i * NR;
                for (int j = 0; j < NR; j++)
                    row[j] += av * b[j];
            }
            a += MR;
            b += NR;
        }

        for (int i = 0; i < MR; i++)
        {
            float* ci = c + i * ldc;
            for (int j = 0; j < NR; j++)
                ci[j] = beta == 0f ? alpha * acc[i * NR + j] : alpha * acc[i * NR + j] + beta * ci[j];
        }
    }
}
