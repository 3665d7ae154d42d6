using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Tests.Tensors;

/// <summary>The autograd tape multiplies through <see cref="ComputeBackend.Current"/>, so a non-CPU backend sees every product.</summary>
public sealed class ComputeBackendTests
{
    /// <summary>Forwards to the CPU backend (results stay bit-identical for tests running alongside) and counts calls.</summary>
    private sealed class CountingBackend : IComputeBackend
    {
        private int _calls;
        public int Calls => Volatile.Read(ref _calls);
        public string Name => "counting-cpu";

        public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
            ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            Interlocked.Increment(ref _calls);
            CpuBackend.Instance.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    private static Variable Random(Random rng, params int[] shape)
    {
        var t = Tensor.Zeros(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = (float)(rng.NextDouble() - 0.5);
        return new Variable(t, requiresGrad: true);
    }

    [Fact]
    public void TapeLinearAndAttention_MultiplyThroughTheCurrentBackend()
    {
        var previous = ComputeBackend.Current;
        var counting = new CountingBackend();
        ComputeBackend.Current = counting;
        try
        {
            var rng = new Random(3);
            var tape = new Tape();
            var x = Random(rng, 1, 4, 8);  // [batch, seq, hidden]
            var w = Random(rng, 8, 8);     // [out, in]
            var y = tape.Linear(x, w);     // [batch, seq, hidden]
            var ctx = tape.Attention(y, y, y, heads: 2, kvHeads: 2, headDim: 4, scale: 0.5f, keyMask: null, causal: true); // [batch, seq, hidden]
            var seed = Tensor.Zeros(ctx.Value.Shape);
            seed.Span.Fill(1f);
            tape.Backward(ctx, seed);

            // Linear: one product forward, two backward; attention: two per head forward and four per head backward.
            Assert.True(counting.Calls >= 3 + 2 * 2 + 4 * 2, $"only {counting.Calls} products went through the backend");
            Assert.NotNull(w.Grad);
        }
        finally
        {
            ComputeBackend.Current = previous;
        }
    }
}
