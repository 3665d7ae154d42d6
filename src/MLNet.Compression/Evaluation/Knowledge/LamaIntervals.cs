using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Evaluation.Knowledge;

/// <summary>Uncertainty of LAMA scores: bootstrap intervals over facts and the paired test of a compressed model against its base.</summary>
public static class LamaIntervals
{
    /// <summary>P@1 (as a fraction) over <paramref name="facts"/> with its percentile-bootstrap interval (facts resampled).</summary>
    public static Interval PAt1(IReadOnlyList<LamaFactResult> facts, Bootstrap.Options? options = null)
        => Bootstrap.Mean(facts.Select(f => f.Rank == 1 ? 1.0 : 0.0).ToList(), options);

    /// <summary>
    /// Facts right before and after compression, matched by relation and source line: gains, losses and the exact sign test
    /// (McNemar) on the facts whose outcome changed. Facts present in only one run are left out.
    /// </summary>
    public static PairedComparison Compare(IEnumerable<LamaRelationResult> baseline, IEnumerable<LamaRelationResult> candidate)
    {
        var before = new Dictionary<(string, int), bool>();
        foreach (var r in baseline)
            foreach (var f in r.Facts) before[(r.Relation, f.Line)] = f.Rank == 1;
        var a = new List<bool>();
        var b = new List<bool>();
        foreach (var r in candidate)
            foreach (var f in r.Facts)
                if (before.TryGetValue((r.Relation, f.Line), out bool right))
                {
                    a.Add(right);
                    b.Add(f.Rank == 1);
                }
        return PairedTests.SignTest(a, b);
    }
}
