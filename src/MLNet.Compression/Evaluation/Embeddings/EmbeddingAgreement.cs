using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Evaluation.Embeddings;

/// <summary>
/// How closely a compressed model's sentence vectors agree with the dense model's on the same texts, the two measures
/// an embedding model's user cares about: the mean cosine between each text's two vectors (are the vectors themselves
/// kept?), and the Spearman rank correlation between the two models' cosine similarities over every pair of texts (is the
/// ordering of neighbours kept, which is what retrieval and clustering use?). Both are 1 for the dense model itself.
/// Intervals are percentile bootstraps over texts (a resampled text brings all its pairs, each pair weighted by the
/// product of its texts' copies; a text paired with its own copy is left out).
/// </summary>
public static class EmbeddingAgreement
{
    /// <summary>The two measures with their intervals over <paramref name="Texts"/> texts.</summary>
    public sealed record Result(Interval MeanCosine, Interval Spearman, int Texts);

    /// <param name="dense">the dense model's vectors, one per text</param>
    /// <param name="other">the compared model's vectors of the same texts, in the same order</param>
    public static Result Compare(IReadOnlyList<float[]> dense, IReadOnlyList<float[]> other, Bootstrap.Options? options = null)
    {
        int n = dense.Count;
        if (other.Count != n) throw new ArgumentException($"{n} dense vectors against {other.Count} compared ones; both must encode the same texts.");
        if (n < 3) throw new ArgumentException($"the embedding agreement needs at least 3 texts, got {n}.");
        var cos = Enumerable.Range(0, n).Select(i => Cosine(dense[i], other[i])).ToArray();
        int pairs = n * (n - 1) / 2;
        var first = new int[pairs];
        var second = new int[pairs];
        var simDense = new double[pairs];
        var simOther = new double[pairs];
        for (int i = 0, p = 0; i < n; i++)
            for (int j = i + 1; j < n; j++, p++)
            {
                (first[p], second[p]) = (i, j);
                simDense[p] = Cosine(dense[i], dense[j]);
                simOther[p] = Cosine(other[i], other[j]);
            }
        var orderDense = Enumerable.Range(0, pairs).OrderBy(p => simDense[p]).ToArray();
        var orderOther = Enumerable.Range(0, pairs).OrderBy(p => simOther[p]).ToArray();

        var intervals = Bootstrap.PercentileAll(n, 2, w =>
        {
            var weights = new double[pairs];
            for (int p = 0; p < pairs; p++) weights[p] = (double)w[first[p]] * w[second[p]];
            return [Bootstrap.WeightedMean(cos, w), WeightedSpearman(simDense, simOther, orderDense, orderOther, weights)];
        }, options);
        return new Result(intervals[0], intervals[1], n);
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int k = 0; k < a.Length; k++)
        {
            dot += (double)a[k] * b[k];
            na += (double)a[k] * a[k];
            nb += (double)b[k] * b[k];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>
    /// Spearman's ρ of weighted observations: the weighted Pearson correlation of mid-ranks, where an observation of weight w
    /// occupies w consecutive ranks and ties share their mean rank (with all weights 1 this is the usual ρ with ties).
    /// </summary>
    internal static double WeightedSpearman(double[] x, double[] y, int[] orderX, int[] orderY, double[] weights)
    {
        var rx = MidRanks(x, orderX, weights);
        var ry = MidRanks(y, orderY, weights);
        double total = 0, mx = 0, my = 0;
        for (int p = 0; p < x.Length; p++)
        {
            total += weights[p];
            mx += weights[p] * rx[p];
            my += weights[p] * ry[p];
        }
        if (total == 0) return double.NaN;
        mx /= total;
        my /= total;
        double sxy = 0, sxx = 0, syy = 0;
        for (int p = 0; p < x.Length; p++)
        {
            double dx = rx[p] - mx, dy = ry[p] - my;
            sxy += weights[p] * dx * dy;
            sxx += weights[p] * dx * dx;
            syy += weights[p] * dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    private static double[] MidRanks(double[] v, int[] order, double[] weights)
    {
        var ranks = new double[v.Length];
        double before = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            double w = 0;
            while (end < order.Length && v[order[end]] == v[order[start]]) w += weights[order[end++]];
            double mid = before + (w + 1) / 2;   // the mean of ranks before+1 … before+w
            for (int k = start; k < end; k++) ranks[order[k]] = mid;
            before += w;
            start = end;
        }
        return ranks;
    }
}
