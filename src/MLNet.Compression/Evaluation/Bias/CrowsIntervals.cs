using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>Uncertainty of the CrowS-Pairs metric: bootstrap intervals over pairs and the paired test against a base model.</summary>
public static class CrowsIntervals
{
    /// <summary>Whether a pair counts towards metric.py's metric score: the more-stereotypical sentence scored higher.</summary>
    public static bool PrefersMore(CrowsPairScore p) => !p.Neutral && p.Score == 1;

    /// <summary>
    /// The metric score in percent with its percentile-bootstrap interval (pairs resampled; neutral pairs stay in the
    /// denominator as metric.py counts them). The estimate is unrounded, so it can differ from the reported
    /// <see cref="CrowsSummary.MetricScore"/> in the third decimal.
    /// </summary>
    public static Interval Metric(IReadOnlyList<CrowsPairScore> pairs, Bootstrap.Options? options = null)
        => Bootstrap.Mean(pairs.Select(p => PrefersMore(p) ? 100.0 : 0.0).ToList(), options);

    /// <summary>Pairs whose preference flipped, matched by pair index, with the exact sign test (McNemar).</summary>
    public static PairedComparison Compare(IReadOnlyList<CrowsPairScore> baseline, IReadOnlyList<CrowsPairScore> candidate)
    {
        var before = baseline.ToDictionary(p => p.Index, PrefersMore);
        var a = new List<bool>();
        var b = new List<bool>();
        foreach (var p in candidate)
            if (before.TryGetValue(p.Index, out bool more))
            {
                a.Add(more);
                b.Add(PrefersMore(p));
            }
        var c = PairedTests.SignTest(a, b);
        return c with { Delta = c.Delta * 100 };
    }
}
