using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>SS, LMS and ICAT of one StereoSet split, each with its interval.</summary>
public sealed record StereoSetIntervalScores(Interval Ss, Interval Lms, Interval Icat);

/// <summary>Uncertainty of StereoSet scores: examples resampled, the official ScoreEvaluator arithmetic recomputed on each resample.</summary>
public static class StereoSetIntervals
{
    /// <summary>SS, LMS and ICAT with percentile-bootstrap intervals, all three from one resampling of the examples.</summary>
    public static StereoSetIntervalScores Of(IReadOnlyList<StereoSetExampleScore> examples, Bootstrap.Options? options = null)
    {
        var ci = Bootstrap.PercentileAll(examples.Count, 3, w => Vector(Score(examples, w)), options);
        return new StereoSetIntervalScores(ci[0], ci[1], ci[2]);
    }

    private static double[] Vector(StereoSetScores s) => [s.Ss, s.Lms, s.Icat];

    /// <summary>The scores of the examples drawn with these weights (an example drawn k times counts k times).</summary>
    public static StereoSetScores Score(IReadOnlyList<StereoSetExampleScore> examples, ReadOnlySpan<int> weights)
    {
        var drawn = new List<StereoSetExampleScore>(examples.Count);
        for (int i = 0; i < weights.Length; i++)
            for (int k = 0; k < weights[i]; k++) drawn.Add(examples[i]);
        return StereoSetScores.Of(drawn);
    }

    /// <summary>
    /// SS, LMS and ICAT of a compressed model against its base on the same examples (matched by index): the paired
    /// bootstrap of each difference; gained/lost count examples whose stereotype preference appeared or disappeared.
    /// </summary>
    public static (PairedComparison Ss, PairedComparison Lms, PairedComparison Icat) Compare(
        IReadOnlyList<StereoSetExampleScore> baseline, IReadOnlyList<StereoSetExampleScore> candidate, Bootstrap.Options? options = null)
    {
        var byIndex = candidate.ToDictionary(e => e.Index);
        var a = baseline.Where(e => byIndex.ContainsKey(e.Index)).ToList();
        var b = a.Select(e => byIndex[e.Index]).ToList();
        int Changed(int i) => (b[i].Stereotype > b[i].AntiStereotype ? 1 : 0) - (a[i].Stereotype > a[i].AntiStereotype ? 1 : 0);
        var c = PairedTests.PairedBootstrapAll(a.Count, 3, w => Vector(Score(a, w)), w => Vector(Score(b, w)), Changed, options);
        return (c[0], c[1], c[2]);
    }
}
