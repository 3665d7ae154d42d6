namespace MLNet.Compression.Tensors;

/// <summary>
/// The seam where a non-CPU backend plugs in. The model code asks the current backend for its heavy
/// primitives; today only the managed CPU backend exists, a CUDA one can implement the same interface.
/// </summary>
public interface IComputeBackend
{
    string Name { get; }

    /// <summary>C = alpha * op(A) * op(B) + beta * C, row-major (see <see cref="Gemm.Sgemm"/>).</summary>
    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);
}

/// <summary>The managed CPU backend: blocked SIMD GEMM from <see cref="Gemm"/>.</summary>
public sealed class CpuBackend : IComputeBackend
{
    public static readonly CpuBackend Instance = new();

    public string Name => "cpu";

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// <summary>Holds the backend in use for this process.</summary>
public static class ComputeBackend
{
    public static IComputeBackend Current { get; set; } = CpuBackend.Instance;
}
