using MLNet.Compression.Pruning;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Pruning;

/// <summary>The defining property of each method on problems small enough to work by hand.</summary>
public class PruningAlgorithmTests
{
    [Fact]
    public void Wanda_MaskIsTheLowestAbsWTimesInputNormPerRow()
    {
        // W [2, 4] and input norms ‖X_j‖ = [1, 10, 0.1, 2].
        // row 0: |w|·‖x‖ = [4·1, 1·10, 8·0.1, 3·2] = [4, 10, 0.8, 6] → at 50% the two lowest: inputs 2 and 0.
        // row 1: |w|·‖x‖ = [1·1, 0.5·10, 9·0.1, 1·2] = [1, 5, 0.9, 2] → inputs 2 and 0.
        // Magnitude alone would prune row 0's inputs 1 and 3 (|w| = 1, 3): the input norms change the answer.
        float[] w = [4, -1, 8, 3, /**/ 1, 0.5f, -9, 1];
        float[] norms = [1, 10, 0.1f, 2];
        var prune = WandaPruningEstimator.Mask(w, 4, norms, 0.5, 0, 0);
        Assert.Equal([true, false, true, false, /**/ true, false, true, false], prune);
    }

    [Fact]
    public void Wanda_NM_KeepsTheTopNOfEachGroupOfM()
    {
        // 2:4 over one row of 8 with norms all 1 except input 0 (norm 100):
        // group 0 scores [0.1·100, 0.2, 0.3, 0.4] = [10, 0.2, 0.3, 0.4] → keep inputs 0 and 3; group 1 [5, 6, 7, 8] → keep 6, 7.
        float[] w = [0.1f, 0.2f, 0.3f, 0.4f, 5, 6, 7, 8];
        float[] norms = [100, 1, 1, 1, 1, 1, 1, 1];
        var prune = WandaPruningEstimator.Mask(w, 8, norms, 0.5, 2, 4);
        Assert.Equal([false, true, true, false, true, true, false, false], prune);
    }

    [Fact]
    public void Structured_L1_ZeroesTheRowsOfSmallestNorm()
    {
        // Row norms (L1): [6, 1.5, 4, 0.5] → at 50%, round(0.5·4) = 2 rows: rows 3 and 1.
        Assert.Equal(6f, StructuredPruningEstimator.Norm([1, -2, 3], 1));
        Assert.Equal(5f, StructuredPruningEstimator.Norm([3, -4], 2));
        Assert.Equal(4f, StructuredPruningEstimator.Norm([3, -4], double.PositiveInfinity));
        var scores = new float[] { 6, 1.5f, 4, 0.5f };
        var prune = new bool[4];
        MaskSelection.MarkSmallest(scores, MaskSelection.CountToPrune(0.5, 4), prune);
        Assert.Equal([false, true, false, true], prune);
    }

    [Fact]
    public void Owl_BlockSparsities_FollowTheOutlierRatiosAroundTheTarget()
    {
        // ratios D = [0.1, 0.3, 0.2], S = 0.5, λ = 0.08:
        // min-max → [0, 1, 0.5] · 2λ = [0, 0.16, 0.08]; mean 0.08; + (1 − S) − 0.08 → [0.42, 0.58, 0.50];
        // sparsity = 1 − D' = [0.58, 0.42, 0.50]: the block with most outliers keeps most weights; the mean stays 0.5.
        var s = OwlPruningEstimator.BlockSparsities([0.1, 0.3, 0.2], 0.5, 0.08);
        Assert.Equal(0.58, s[0], 12);
        Assert.Equal(0.42, s[1], 12);
        Assert.Equal(0.50, s[2], 12);
        Assert.All(OwlPruningEstimator.BlockSparsities([0.2, 0.2], 0.7, 0.08), v => Assert.Equal(0.7, v, 12));
    }

    [Fact]
    public void Owl_OutlierRatio_CountsScoresAboveMTimesTheMean()
    {
        // scores [1, 1, 1, 1, 1, 1, 1, 1, 1, 31]: mean 4, M = 5 → threshold 20: one outlier of ten.
        Assert.Equal(0.1, OwlPruningEstimator.OutlierRatio([[1, 1, 1, 1, 1], [1, 1, 1, 1, 31]], 5), 12);
    }

    [Fact]
    public void SparseGpt_InverseCholeskyUpper_FactorsTheInverseHessian()
    {
        // H = [[4, 2], [2, 3]]: H⁻¹ = [[3, −2], [−2, 4]] / 8. UᵀU must equal it with U upper triangular.
        var u = SparseGptPruningEstimator.InverseCholeskyUpper([4, 2, 2, 3], 2, "test");
        Assert.Equal(0f, u[2]);
        double a = u[0], b = u[1], c = u[3];
        Assert.Equal(3 / 8.0, a * a, 6);
        Assert.Equal(-2 / 8.0, a * b, 6);
        Assert.Equal(4 / 8.0, b * b + c * c, 6);
    }

    /// <summary>Correlated inputs X [tokens, in] (a few shared factors plus noise), where the OBS update has something to compensate.</summary>
    private static float[] CorrelatedInputs(int tokens, int inF, int seed)
    {
        var rng = new Random(seed);
        var mix = Enumerable.Range(0, 8 * inF).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [8, in]
        var x = new float[tokens * inF];
        for (int t = 0; t < tokens; t++)
        {
            var f = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            for (int j = 0; j < inF; j++)
            {
                float v = 0.1f * (float)(rng.NextDouble() * 2 - 1);
                for (int k = 0; k < 8; k++) v += f[k] * mix[k * inF + j];
                x[t * inF + j] = v;
            }
        }
        return x;
    }

    private static double ReconstructionError(float[] x, int tokens, int inF, float[] w, float[] pruned, int outF)
    {
        var y = new float[tokens * outF];
        var yp = new float[tokens * outF];
        Gemm.Sgemm(false, true, tokens, outF, inF, 1f, x, inF, w, inF, 0f, y, outF);
        Gemm.Sgemm(false, true, tokens, outF, inF, 1f, x, inF, pruned, inF, 0f, yp, outF);
        double e = 0;
        for (int i = 0; i < y.Length; i++) e += (double)(y[i] - yp[i]) * (y[i] - yp[i]);
        return e;
    }

    [Theory]
    [InlineData(0.5, 0, 0, 16)]
    [InlineData(0.7, 0, 0, 128)]
    [InlineData(0.5, 2, 4, 16)]
    public void SparseGpt_ReconstructionErrorIsBelowMagnitudeAtTheSameSparsity(double sparsity, int n, int m, int block)
    {
        const int tokens = 512, inF = 64, outF = 32;
        var x = CorrelatedInputs(tokens, inF, 1);
        var rng = new Random(2);
        var w = Enumerable.Range(0, outF * inF).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [out, in]
        var xxT = new float[inF * inF];
        Gemm.Sgemm(true, false, inF, inF, tokens, 1f, x, inF, x, inF, 0f, xxT, inF);

        var sgpt = SparseGptPruningEstimator.PruneLayer(w, outF, inF, xxT, sparsity, n, m, block, 0.01, "test");
        var magnitude = (float[])w.Clone();
        var prune = new bool[w.Length];
        var abs = w.Select(MathF.Abs).ToArray();
        if (m > 0) MaskSelection.MarkNM(abs, inF, n, m, prune);
        else MaskSelection.MarkSmallest(abs, MaskSelection.CountToPrune(sparsity, w.Length), prune);
        MaskSelection.Apply(magnitude, prune);

        double achieved = sgpt.Count(v => v == 0f) / (double)sgpt.Length;
        Assert.True(achieved >= sparsity - 1e-9, $"SparseGPT reached sparsity {achieved}, below {sparsity}");
        if (m > 0)
            for (int g = 0; g < sgpt.Length; g += m) Assert.True(sgpt.AsSpan(g, m).ToArray().Count(v => v != 0) <= n);
        double eS = ReconstructionError(x, tokens, inF, w, sgpt, outF), eM = ReconstructionError(x, tokens, inF, w, magnitude, outF);
        Assert.True(eS < eM, $"SparseGPT error {eS} is not below magnitude's {eM}");
    }

    [Fact]
    public void SparseGpt_ZeroSparsityWithNoDampingLeavesTheLayerUnchanged()
    {
        const int tokens = 200, inF = 16, outF = 4;
        var x = CorrelatedInputs(tokens, inF, 3);
        var xxT = new float[inF * inF];
        Gemm.Sgemm(true, false, inF, inF, tokens, 1f, x, inF, x, inF, 0f, xxT, inF);
        var w = Enumerable.Range(0, outF * inF).Select(i => (float)Math.Sin(i + 1)).ToArray();
        var same = SparseGptPruningEstimator.PruneLayer(w, outF, inF, xxT, 0, 0, 0, 8, 0.0, "test");
        Assert.Equal(w, same);
    }
}
