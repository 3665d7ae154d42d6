using MLNet.Compression.Evaluation.Embeddings;
using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Tests.Evaluation.Embeddings;

/// <summary>The embedding agreement on hand-worked vectors.</summary>
public sealed class EmbeddingAgreementTests
{
    private static readonly Bootstrap.Options Boot = new() { Resamples = 200 };

    [Fact]
    public void TheSameVectors_AgreeFully()
    {
        float[][] v = [[1, 0], [0, 1], [1, 1], [2, -1]];
        var r = EmbeddingAgreement.Compare(v, v, Boot);
        Assert.Equal(1, r.MeanCosine.Estimate, 12);
        Assert.Equal(1, r.Spearman.Estimate, 12);
        Assert.Equal(4, r.Texts);
    }

    [Fact]
    public void HandWorked_CosinesAndARankCorrelation()
    {
        // Dense: three unit vectors at 0°, 60° and 90°: pair similarities (0,1) 0.5, (0,2) 0, (1,2) cos 30° ≈ 0.866.
        float[][] dense = [[1, 0], [0.5f, (float)Math.Sqrt(0.75)], [0, 1]];
        // Compared: text 0 turned by 90° (cosine 0 to its dense vector), the others kept (cosine 1): mean cosine 2/3.
        // Its pair similarities: (0,1) cos 30° ≈ 0.866, (0,2) cos 0° = 1, (1,2) ≈ 0.866 (a tie with (0,1)).
        float[][] other = [[0, 1], [0.5f, (float)Math.Sqrt(0.75)], [0, 1]];
        var r = EmbeddingAgreement.Compare(dense, other, Boot);
        Assert.Equal(2.0 / 3, r.MeanCosine.Estimate, 6);
        // Ranks of (0.5, 0, 0.866) are (2, 1, 3); of (0.866, 1, 0.866) with the tie are (1.5, 3, 1.5).
        // Pearson of the ranks: x − 2 = (0, −1, 1), y − 2 = (−0.5, 1, −0.5): Σxy = −1.5, Σx² = 2, Σy² = 1.5 → ρ = −1.5 / √3 ≈ −0.866.
        Assert.Equal(-1.5 / Math.Sqrt(3), r.Spearman.Estimate, 6);
        Assert.True(r.MeanCosine.Low <= r.MeanCosine.Estimate && r.MeanCosine.Estimate <= r.MeanCosine.High);
    }

    [Fact]
    public void WeightedSpearman_WithWeightsOfTwo_EqualsTheRankCorrelationOfTheDuplicatedData()
    {
        double[] x = [0.1, 0.4, 0.3, 0.9], y = [0.2, 0.1, 0.5, 0.7];
        double[] w = [2, 1, 1, 2];
        var order = (double[] v) => Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ToArray();
        double weighted = EmbeddingAgreement.WeightedSpearman(x, y, order(x), order(y), w);
        // The same data written out with the weights as copies, every weight 1.
        double[] xs = [0.1, 0.1, 0.4, 0.3, 0.9, 0.9], ys = [0.2, 0.2, 0.1, 0.5, 0.7, 0.7];
        double copies = EmbeddingAgreement.WeightedSpearman(xs, ys, order(xs), order(ys), [1, 1, 1, 1, 1, 1]);
        Assert.Equal(copies, weighted, 12);
    }

    [Fact]
    public void TooFewTexts_OrMismatchedLists_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => EmbeddingAgreement.Compare([[1f]], [[1f]]));
        Assert.Throws<ArgumentException>(() => EmbeddingAgreement.Compare([[1f], [2f], [3f]], [[1f], [2f]]));
    }
}
