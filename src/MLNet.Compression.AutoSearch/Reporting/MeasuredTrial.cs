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
        if (m is null || m.Knowledge == m.PAt1) return KnowledgeUnit.PAt1;
        return m.Knowledge == m.Mrr ? KnowledgeUnit.Mrr : KnowledgeUnit.Kl;
    }
}

/// <summary>The knowledge score a search kept, which decides how its drop is shown: points of P@1 or MRR, or nats of KL.</summary>
public enum KnowledgeUnit { PAt1, Mrr, Kl }

/// <summary>How a knowledge drop reads in charts and tables.</summary>
public static class KnowledgeUnits
{
    /// <summary>P@1 and MRR are fractions, shown as points (× 100); KL stays in nats.</summary>
    public static double Scale(this KnowledgeUnit u) => u == KnowledgeUnit.Kl ? 1 : 100;

    /// <summary>"P@1 drop (points)", "MRR drop (points)" or "KL from dense (nats)".</summary>
    public static string DropLabel(this KnowledgeUnit u) => u switch
    {
        KnowledgeUnit.PAt1 => "LAMA P@1 drop from dense (points)",
        KnowledgeUnit.Mrr => "LAMA MRR drop from dense (points)",
        _ => "knowledge lost: KL from dense (nats)",
    };
}
