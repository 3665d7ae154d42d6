using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.Study;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// A plan's numbers on the report split — items the search never measured — each with its 95% bootstrap interval and,
/// against the dense model on the same items, the paired test the study uses (exact sign test on facts and CrowS-Pairs
/// pairs, paired bootstrap on StereoSet SS).
/// </summary>
public sealed record ReportSplitScores
{
    public required string Name { get; init; }
    [System.Text.Json.Serialization.JsonPropertyName("p_at_1")]
    public required StudyEstimate PAt1 { get; init; }
    /// <summary>Share of the facts the dense model knows (on this split) that this model still ranks first, with its interval; null for dense.</summary>
    public StudyEstimate? Retained { get; init; }
    public required double Mrr { get; init; }
    public StudyEstimate? Crows { get; init; }
    public StudyEstimate? Ss { get; init; }
    public long SearchedBytes { get; init; }
    public long ModelBytes { get; init; }
    public double BitsPerWeight { get; init; }
    public int NFacts { get; init; }

    /// <summary>For each fact the dense model knows on the report split, whether this model still ranks it first (for paired comparisons of two plans).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyDictionary<string, bool>? KnownFactOutcomes { get; init; }

    /// <summary>
    /// Facts kept by <paramref name="b"/> minus facts kept by <paramref name="a"/>, over the dense model's known facts of the
    /// report split, as a share with its 95% bootstrap interval (resampling facts, so the two plans are compared on the
    /// same facts), and the exact sign test on the facts where they differ.
    /// </summary>
    public static (Interval Difference, PairedComparison Test) CompareKept(ReportSplitScores a, ReportSplitScores b, Bootstrap.Options? boot = null)
    {
        var (x, y) = (a.KnownFactOutcomes ?? throw new ArgumentException($"{a.Name}: no per-fact outcomes."), b.KnownFactOutcomes ?? throw new ArgumentException($"{b.Name}: no per-fact outcomes."));
        var keys = x.Keys.Where(y.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var diff = keys.Select(k => (y[k] ? 1.0 : 0) - (x[k] ? 1.0 : 0)).ToList();
        return (Bootstrap.Mean(diff, boot), PairedTests.SignTest(keys.Select(k => x[k]).ToList(), keys.Select(k => y[k]).ToList()));
    }

    /// <summary>The report-split numbers of <paramref name="scores"/>, compared with <paramref name="dense"/> (null for the dense model itself).</summary>
    public static ReportSplitScores Of(string name, ModelScores scores, ModelScores? dense, long searchedBytes, long modelBytes, double bitsPerWeight, Bootstrap.Options? boot = null)
    {
        boot ??= Bootstrap.Options.Default;
        var facts = scores.Relations.SelectMany(r => r.Facts).ToList();
        StudyEstimate? crows = null, ss = null;
        if (scores.CrowsPairs is { Count: > 0 } pairs)
            crows = StudyEstimate.From(CrowsIntervals.Metric(pairs, boot), dense?.CrowsPairs is { } bp ? CrowsIntervals.Compare(bp, pairs) : null);
        if (scores.StereoSetExamples is { Count: > 0 } ex)
        {
            var ci = StereoSetIntervals.Of(ex, boot);
            ss = StudyEstimate.From(ci.Ss, dense?.StereoSetExamples is { } be ? StereoSetIntervals.Compare(be, ex, boot).Ss : null);
        }
        return new ReportSplitScores
        {
            Name = name, NFacts = facts.Count,
            PAt1 = StudyEstimate.From(LamaIntervals.PAt1(facts, boot), dense is null ? null : LamaIntervals.Compare(dense.Relations, scores.Relations)),
            Retained = dense is null ? null : StudyEstimate.From(LamaIntervals.PAt1(KnownFacts.Among(scores, dense), boot)),
            KnownFactOutcomes = dense is null ? null : KnownFacts.Outcomes(scores, dense),
            Mrr = scores.Mrr, Crows = crows, Ss = ss,
            SearchedBytes = searchedBytes, ModelBytes = modelBytes, BitsPerWeight = bitsPerWeight,
        };
    }
}
