namespace MLNet.Compression.Evaluation.Scoring;

/// <summary>Ranks of one id in a distribution, as the metrics define them.</summary>
public static class Ranking
{
    /// <summary>
    /// 1 + the number of candidates whose log-probability is strictly greater than the gold's (1 = best). Ties share the
    /// better rank. <paramref name="candidates"/> null means the whole vocabulary.
    /// </summary>
    public static int RankOf(ReadOnlySpan<float> logProbs, int gold, int[]? candidates = null)
    {
        float g = logProbs[gold];
        int above = 0;
        if (candidates is null)
        {
            for (int i = 0; i < logProbs.Length; i++) if (logProbs[i] > g) above++;
        }
        else
        {
            foreach (int c in candidates) if (logProbs[c] > g) above++;
        }
        return above + 1;
    }

    /// <summary>The best id (the first of equals, as torch.argmax), over the vocabulary or the candidates.</summary>
    public static int ArgMax(ReadOnlySpan<float> logProbs, int[]? candidates = null)
    {
        if (candidates is null) return System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logProbs);
        int best = candidates[0];
        foreach (int c in candidates) if (logProbs[c] > logProbs[best]) best = c;
        return best;
    }

    /// <summary>The <paramref name="k"/> best ids, best first (over the vocabulary or the candidates).</summary>
    public static int[] TopK(ReadOnlySpan<float> logProbs, int k, int[]? candidates = null)
    {
        int n = candidates?.Length ?? logProbs.Length;
        k = Math.Min(k, n);
        var ids = new int[k];
        var vals = new float[k];
        int count = 0;
        for (int j = 0; j < n; j++)
        {
            int id = candidates is null ? j : candidates[j];
            float x = logProbs[id];
            if (count == k && x <= vals[k - 1]) continue;
            int pos = count < k ? count++ : k - 1;
            while (pos > 0 && vals[pos - 1] < x) { vals[pos] = vals[pos - 1]; ids[pos] = ids[pos - 1]; pos--; }
            vals[pos] = x;
            ids[pos] = id;
        }
        return ids;
    }
}
