using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>A trial together with the metrics of its last rung, the form every chart and table of the report reads.</summary>
public sealed record MeasuredTrial(TrialRecord Trial, TrialMetrics Metrics)
{
    /// <summary>
    /// Finished and evaluated: measured on the whole search split. A pruned trial's numbers come from a smaller share of
    /// the split, so they do not compare with these.
    /// </summary>
    public bool FullyMeasured => Trial.Status == TrialStatus.Finished && Metrics.Evaluated;

    /// <summary>The trials of <paramref name="r"/> that have metrics, in id order.</summary>
    public static IReadOnlyList<MeasuredTrial> All(ExperimentResult r) =>
        r.Trials.OrderBy(t => t.Id).Select(t => ExperimentResult.MetricsOf(t) is { } m ? new MeasuredTrial(t, m) : null).OfType<MeasuredTrial>().ToList();

    /// <summary>Which knowledge score the objective used, told from which stored score its value equals.</summary>
    public static KnowledgeUnit UnitOf(IEnumerable<MeasuredTrial> trials)
    {
        var m = trials.Select(t => t.Metrics).FirstOrDefault(x => x.Knowledge is not null);
        if (m is not null && m.EmbeddingCosine is not null && m.Knowledge == m.EmbeddingCosine) return KnowledgeUnit.EmbeddingCosine;
        if (m is not null && m.Retained is not null && m.Knowledge == m.Retained) return KnowledgeUnit.Retained;
        if (m is null || m.Knowledge == m.PAt1) return KnowledgeUnit.PAt1;
        return m.Knowledge == m.Mrr ? KnowledgeUnit.Mrr : KnowledgeUnit.Kl;
    }
}
