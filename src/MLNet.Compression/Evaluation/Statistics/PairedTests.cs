namespace MLNet.Compression.Evaluation.Statistics;

/// <summary>Tests of a compressed model against its base on the same items.</summary>
public static class PairedTests
{
    /// <summary>
    /// Binary outcomes per item (a fact right or wrong, a pair's preference for the stereotype): McNemar's exact test,
    /// i.e. a two-sided sign test on the discordant items. Under "no change" each discordant item is as likely to be
    /// gained as lost, so the count of gains is Binomial(g + l, ½); p = min(1, 2·P(X ≤ min(g, l))).
    /// </summary>
    /// <param name="baseline">outcome per item for the base model</param>
    /// <param name="candidate">outcome per item for the compressed model, same order</param>
    public static PairedComparison SignTest(IReadOnlyList<bool> baseline, IReadOnlyList<bool> candidate)
    {
        if (baseline.Count != candidate.Count) throw new ArgumentException($"paired items differ in number: {baseline.Count} against {candidate.Count}.");
        int gained = 0, lost = 0, before = 0, after = 0;
        for (int i = 0; i < baseline.Count; i++)
        {
            if (baseline[i]) before++;
            if (candidate[i]) after++;
            if (candidate[i] && !baseline[i]) gained++;
            if (baseline[i] && !candidate[i]) lost++;
        }
        double delta = baseline.Count == 0 ? 0 : (double)(after - before) / baseline.Count;
        return new PairedComparison(baseline.Count, gained, lost, delta, ExactSignPValue(gained, lost), "exact sign test");
    }

    /// <summary>Two-sided exact sign-test p-value for <paramref name="gained"/> against <paramref name="lost"/> discordant items.</summary>
    public static double ExactSignPValue(int gained, int lost)
    {
        int n = gained + lost;
        if (n == 0) return 1;
        int k = Math.Min(gained, lost);
        // P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so large n does not overflow.
        double logHalfN = -n * Math.Log(2);
        double tail = 0, logChoose = 0; // log C(n, 0)
        for (int i = 0; i <= k; i++)
        {
            if (i > 0) logChoose += Math.Log(n - i + 1) - Math.Log(i);
            tail += Math.Exp(logChoose + logHalfN);
        }
        return Math.Min(1, 2 * tail);
    }

    /// <summary>
    /// A statistic that is not a per-item proportion (SS, LMS, ICAT): items are resampled jointly for both models and the
    /// difference recomputed; p = min(1, 2·min(share of differences ≤ 0, share ≥ 0)), the percentile-bootstrap test of
    /// "no change" (Efron &amp; Tibshirani 1993, §16.4).
    /// </summary>
    /// <param name="n">items, in the same order for both statistics</param>
    /// <param name="baseline">the statistic of the base model given item weights</param>
    /// <param name="candidate">the statistic of the compressed model given item weights</param>
    /// <param name="changed">items whose outcome differs, for the gained/lost counts: +1 gained, −1 lost, 0 same</param>
    public static PairedComparison PairedBootstrap(int n, Func<ReadOnlySpan<int>, double> baseline, Func<ReadOnlySpan<int>, double> candidate,
        Func<int, int>? changed = null, Bootstrap.Options? options = null)
        => PairedBootstrapAll(n, 1, w => [baseline(w)], w => [candidate(w)], changed, options)[0];

    /// <summary>
    /// <see cref="PairedBootstrap"/> for <paramref name="count"/> statistics at once (SS, LMS and ICAT), on the same
    /// resamples: each resample is drawn and both models scored once.
    /// </summary>
    public static PairedComparison[] PairedBootstrapAll(int n, int count, Func<ReadOnlySpan<int>, double[]> baseline, Func<ReadOnlySpan<int>, double[]> candidate,
        Func<int, int>? changed = null, Bootstrap.Options? options = null)
    {
        options ??= Bootstrap.Options.Default;
        var ones = new int[n];
        Array.Fill(ones, 1);
        double[] b0 = baseline(ones), c0 = candidate(ones);
        var diffs = Bootstrap.Resample(n, count, options, w =>
        {
            double[] b = baseline(w), c = candidate(w);
            for (int k = 0; k < count; k++) c[k] -= b[k];
            return c;
        });
        int gained = 0, lost = 0;
        if (changed is not null)
            for (int i = 0; i < n; i++)
            {
                int c = changed(i);
                if (c > 0) gained++;
                else if (c < 0) lost++;
            }
        var result = new PairedComparison[count];
        for (int k = 0; k < count; k++)
        {
            double p = 1;
            if (diffs[k].Length > 0)
            {
                int le = diffs[k].Count(d => d <= 0), ge = diffs[k].Count(d => d >= 0);
                p = Math.Min(1, 2.0 * Math.Min(le, ge) / diffs[k].Length);
            }
            result[k] = new PairedComparison(n, gained, lost, c0[k] - b0[k], p, "paired bootstrap");
        }
        return result;
    }
}
