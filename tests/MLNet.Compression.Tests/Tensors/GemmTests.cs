using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Tensors;

/// <summary>
/// The blocked, packed, threaded Sgemm against a double-precision triple loop. Float GEMM error grows with the
/// depth k, so the tolerance is sqrt(k) * 1e-6 relative to the size of the terms summed (|alpha| sum|a||b| + |beta c|).
/// </summary>
public class GemmTests
{
    [Fact]
    public void Sgemm_TwoByTwo_MatchesHandWorkedProduct()
    {
        // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = new float[4];
        Gemm.Sgemm(false, false, 2, 2, 2, 1f, a, 2, b, 2, 0f, c, 2);
        Assert.Equal([19f, 22f, 43f, 50f], c);
    }

    public static TheoryData<bool, bool, int, int, int> Shapes()
    {
        var data = new TheoryData<bool, bool, int, int, int>();
        (int M, int N, int K)[] sizes =
        [
            (1, 1, 1), (7, 13, 5), (33, 65, 129), (12, 32, 256), (13, 33, 257), (1, 100, 70), (100, 1, 70),
            (25, 47, 600), (200, 31, 3), (97, 250, 300), (13, 4200, 20),
        ];
        foreach (var (m, n, k) in sizes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    data.Add(ta, tb, m, n, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sgemm_AllTransposeCombos_MatchDoubleReference(bool transA, bool transB, int m, int n, int k)
        => CheckAgainstReference(transA, transB, m, n, k, 1f, 0f, padA: 0, padB: 0, padC: 0, seed: m * 31 + n * 7 + k);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Sgemm_StridedViews_TouchOnlyTheirColumns(bool transA, bool transB)
        => CheckAgainstReference(transA, transB, 37, 45, 71, 1f, 0f, padA: 5, padB: 11, padC: 3, seed: 5);

    [Theory]
    [InlineData(false, false, 1, 70, 200)]
    [InlineData(false, true, 5, 45, 300)]
    [InlineData(true, false, 32, 77, 130)]
    [InlineData(true, true, 3, 9, 150)]
    [InlineData(false, true, 8, 3001, 300)] // enough work to split the unpacked path over threads
    [InlineData(false, false, 6, 2050, 400)]
    public void Sgemm_FewRowsStrided_MatchDoubleReference(bool transA, bool transB, int m, int n, int k)
        => CheckAgainstReference(transA, transB, m, n, k, 0.5f, 0.5f, padA: 3, padB: 5, padC: 2, seed: 23);

    [Theory]
    [InlineData(1f, 0f)]
    [InlineData(0.5f, 1f)]
    [InlineData(-2f, 0.25f)]
    [InlineData(1f, -1f)]
    [InlineData(0f, 0.5f)]
    public void Sgemm_AlphaBeta_ScaleProductAndPriorC(float alpha, float beta)
    {
        foreach (bool tb in new[] { false, true })
            CheckAgainstReference(false, tb, 29, 70, 300, alpha, beta, padA: 1, padB: 2, padC: 7, seed: 11);
    }

    [Theory]
    [InlineData(false, false, 1)]
    [InlineData(true, true, 1)]
    [InlineData(false, true, 0)]
    public void Sgemm_BetaZero_IgnoresNaNInC(bool transA, bool transB, int padC)
    {
        // The check also fills C's padding with NaN and asserts it stays untouched.
        CheckAgainstReference(transA, transB, 19, 35, 40, 1f, 0f, padA: 0, padB: 0, padC: padC, seed: 3, nanC: true);
    }

    [Fact]
    public void Sgemm_ZeroDepth_ScalesC()
    {
        float[] c = [1, 2, float.NaN, 4];
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0f, c, 2);
        Assert.Equal([0f, 0f, 0f, 0f], c);
        c = [1, 2, 3, 4];
        Gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 2f, c, 2);
        Assert.Equal([2f, 4f, 6f, 8f], c);
    }

    [Fact]
    public void Sgemm_AlphaZero_DoesNotReadAOrB()
    {
        // BLAS contract: with alpha == 0 the product is not formed, so NaN in A or B cannot reach C.
        float[] a = [float.NaN, 1, 2, 3], b = [float.PositiveInfinity, 1, 2, 3], c = [1, 2, 3, 4];
        Gemm.Sgemm(false, true, 2, 2, 2, 0f, a, 2, b, 2, 0.5f, c, 2);
        Assert.Equal([0.5f, 1f, 1.5f, 2f], c);
    }

    [Theory]
    [InlineData(false, true, 300, 517, 260)]
    [InlineData(false, false, 517, 300, 260)]
    [InlineData(true, false, 256, 1030, 513)]
    [InlineData(true, true, 1030, 97, 300)]
    public void Sgemm_LargeEnoughToThread_MatchesReference(bool transA, bool transB, int m, int n, int k)
    {
        Assert.True((long)m * n * k >= Gemm.ParallelThreshold);
        CheckAgainstReference(transA, transB, m, n, k, 1.5f, 0.5f, padA: 3, padB: 0, padC: 1, seed: 17);
    }

    [Fact]
    public void Sgemm_MaxThreadsOne_GivesSameResultAsThreaded()
    {
        int m = 300, n = 400, k = 300;
        var a = Random(m * k, 1);
        var b = Random(n * k, 2);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        int saved = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 1;
            Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c1, n);
        }
        finally
        {
            Gemm.MaxThreads = saved;
        }
        Gemm.Sgemm(false, true, m, n, k, 1f, a, k, b, k, 0f, c2, n);
        // Each C element sums over k in the same order regardless of how C is split, so results are bitwise equal.
        Assert.Equal(c1, c2);
    }

    [Theory]
    [InlineData(false, true, 12, 7, 9, 16)]     // attention scores Q K^T: small items, parallel over the batch
    [InlineData(false, false, 12, 33, 20, 17)]  // probs * V
    [InlineData(true, false, 3, 200, 300, 150)] // large items: threaded inside each item
    public void SgemmBatched_MatchesPerItemReference(bool transA, bool transB, int batch, int m, int n, int k)
    {
        int lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 1, ldc = n + 3;
        int aItem = (transA ? k : m) * lda, bItem = (transB ? n : k) * ldb, cItem = m * ldc;
        long strideA = aItem + 5, strideB = bItem + 1, strideC = cItem + 4;
        var a = Random((int)(strideA * batch), 7);
        var b = Random((int)(strideB * batch), 8);
        var c = Random((int)(strideC * batch), 9);
        var expected = (float[])c.Clone();
        for (int i = 0; i < batch; i++)
            Gemm.SgemmReference(transA, transB, m, n, k, 0.75f, a.AsSpan((int)(i * strideA)), lda, b.AsSpan((int)(i * strideB)), ldb,
                0.5f, expected.AsSpan((int)(i * strideC)), ldc);

        Gemm.SgemmBatched(transA, transB, batch, m, n, k, 0.75f, a, lda, strideA, b, ldb, strideB, 0.5f, c, ldc, strideC);

        float tol = Tolerance(k);
        for (int i = 0; i < c.Length; i++)
            Assert.True(Math.Abs(c[i] - expected[i]) <= tol * (1 + Math.Abs(expected[i])) + tol * k,
                $"index {i}: {c[i]} vs {expected[i]}");
    }

    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (string name in GemmBlocking.Supported())
            data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Sgemm_EveryKernelWithTinyBlocks_CrossesEveryLoopEdge(string kernel)
    {
        // Blocks far below the sizes force several jc, pc and ic passes and ragged last blocks in each loop.
        var small = GemmBlocking.Create(kernel);
        var blocking = GemmBlocking.Create(kernel, mc: 2 * small.MR, kc: 7, nc: 3 * small.NR);
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                int m = 5 * small.MR + 3, n = 7 * small.NR + 5, k = 30;
                int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 1;
                var a = Random((ta ? k : m) * lda, 1);
                var b = Random((tb ? n : k) * ldb, 2);
                var c = Random(m * ldc, 3);
                var expected = (float[])c.Clone();
                Gemm.SgemmReference(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2f, expected, ldc);
                Gemm.SgemmWith(blocking, 2, ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2f, c, ldc);
                for (int i = 0; i < c.Length; i++)
                    Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-4f, $"{kernel} ta={ta} tb={tb} index {i}: {c[i]} vs {expected[i]}");
            }
        }
    }

    [Fact]
    public void Sgemm_SpanTooShort_Throws()
    {
        var a = new float[10];
        var b = new float[16];
        var c = new float[16];
        Assert.Throws<ArgumentException>(() => Gemm.Sgemm(false, false, 4, 4, 4, 1f, a, 4, b, 4, 0f, c, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Sgemm(false, false, 4, 4, 4, 1f, new float[16], 3, b, 4, 0f, c, 4));
    }

    private static void CheckAgainstReference(bool transA, bool transB, int m, int n, int k, float alpha, float beta,
        int padA, int padB, int padC, int seed, bool nanC = false)
    {
        int lda = (transA ? m : k) + padA, ldb = (transB ? k : n) + padB, ldc = n + padC;
        var a = Random((transA ? k : m) * lda, seed);
        var b = Random((transB ? n : k) * ldb, seed + 1);
        var c = Random(m * ldc, seed + 2);
        if (nanC)
            Array.Fill(c, float.NaN);
        var expected = (float[])c.Clone();
        Gemm.SgemmReference(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);

        Gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        // Terms are products of values in [-1, 1], so |sum| <= k; the error bound scales with the magnitudes summed.
        float tol = Tolerance(k);
        double bound = tol * (Math.Abs(alpha) * k + Math.Abs(beta) + 1);
        double maxDiff = 0;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                float got = c[i * ldc + j], want = expected[i * ldc + j];
                if (j >= n)
                {
                    // Padding between rows of C is not part of the matrix and must keep its old value.
                    Assert.True(got.Equals(want), $"padding C[{i},{j}] changed from {want} to {got}");
                    continue;
                }
                Assert.False(float.IsNaN(got), $"C[{i},{j}] is NaN");
                maxDiff = Math.Max(maxDiff, Math.Abs(got - want));
            }
        }
        Assert.True(maxDiff <= bound, $"max |diff| {maxDiff:E3} > {bound:E3} for m={m} n={n} k={k}");
    }

    private static float Tolerance(int k) => (float)(Math.Sqrt(Math.Max(k, 1)) * 2e-6);

    private static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
