using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Embeddings;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.Study;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// A plan's numbers on the report split — items the search never measured — each with its 95% bootstrap interval and,
/// against the dense model on the same items, the paired test the study uses (exact sign test on facts and CrowS-Pairs
/// pairs, paired bootstrap on StereoSet SS). With embedding texts, the agreement of the plan's sentence vectors with the
/// dense model's on the split's texts (mean cosine and the Spearman correlation of pairwise similarities, bootstrap over
/// texts). A score whose data the search did not have is null (absent from results.json).
/// </summary>
public sealed record ReportSplitScores
{
    public required string Name { get; init; }
    /// <summary>LAMA P@1 with its interval and sign test against dense; null without LAMA facts.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("p_at_1")]
    public StudyEstimate? PAt1 { get; init; }
    /// <summary>Share of the facts the dense model knows (on this split) that this model still ranks first, with its interval; null for dense and without LAMA facts.</summary>
    public StudyEstimate? Retained { get; init; }
    /// <summary>LAMA MRR; null without LAMA facts.</summary>
    public double? Mrr { get; init; }
    /// <summary>Mean cosine of each text's vector to the dense model's (1 for dense), with its interval; null without embedding texts.</summary>
    public StudyEstimate? EmbeddingCosine { get; init; }
    /// <summary>Spearman correlation of the plan's pairwise text similarities with the dense model's (1 for dense), with its interval; null without embedding texts.</summary>
    public StudyEstimate? EmbeddingSpearman { get; init; }
    /// <summary>Embedding texts of the split; null without embedding texts.</summary>
    public int? NTexts { get; init; }
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
        bool hasFacts = scores.Relations.Count > 0;
        // The dense row compares its vectors with themselves: cosine and Spearman 1, the reference every plan is read against.
        EmbeddingAgreement.Result? agreement = scores.TextVectors is { Count: >= 3 } vectors
            ? EmbeddingAgreement.Compare(dense?.TextVectors ?? vectors, vectors, boot) : null;
        return new ReportSplitScores
        {
            Name = name, NFacts = facts.Count,
            PAt1 = hasFacts ? StudyEstimate.From(LamaIntervals.PAt1(facts, boot), dense is null ? null : LamaIntervals.Compare(dense.Relations, scores.Relations)) : null,
            Retained = dense is null || !hasFacts ? null : StudyEstimate.From(LamaIntervals.PAt1(KnownFacts.Among(scores, dense), boot)),
            KnownFactOutcomes = dense is null || !hasFacts ? null : KnownFacts.Outcomes(scores, dense),
            Mrr = hasFacts ? scores.Mrr : null, Crows = crows, Ss = ss,
            EmbeddingCosine = agreement is null ? null : StudyEstimate.From(agreement.MeanCosine),
            EmbeddingSpearman = agreement is null ? null : StudyEstimate.From(agreement.Spearman),
            NTexts = scores.TextVectors?.Count,
            SearchedBytes = searchedBytes, ModelBytes = modelBytes, BitsPerWeight = bitsPerWeight,
        };
    }
}
