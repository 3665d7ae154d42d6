using BenchmarkDotNet.Attributes;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Sgemm on the shapes that dominate transformer inference. GFLOP/s = 2*m*n*k / mean time.
/// Reference on the 2-core AVX-512 dev machine: PyTorch + OpenBLAS, 2 threads, 173 GFLOP/s at 1024^3
/// and 167-192 GFLOP/s on the BERT-base shapes.
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    /// <summary>(m, n, k, transB) as "m x n x k" with a "T" suffix for x*W^T with W stored [n, k].</summary>
    [Params("1024x1024x1024", "1024x3072x768T", "768x768x3072")]
    public string Shape { get; set; } = "1024x1024x1024";

    private int _m, _n, _k;
    private bool _transB;

    [GlobalSetup]
    public void Setup()
    {
        _transB = Shape.EndsWith('T');
        var dims = Shape.TrimEnd('T').Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        var rng = new Random(42);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[_m * _n];
    }

    // 1024x1024x1024: square; 1024x3072x768T: BERT-base FFN up-projection x[1024,768] W[3072,768]^T;
    // 768x768x3072: a [768,3072] @ [3072,768] product (FFN down-projection shape).
    [Benchmark]
    public void Sgemm() => Gemm.Sgemm(false, _transB, _m, _n, _k, 1f, _a, _k, _b, _transB ? _k : _n, 0f, _c, _n);
}
