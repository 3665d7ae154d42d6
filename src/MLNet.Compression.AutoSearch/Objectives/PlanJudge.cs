using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>
/// Turns measurements into what the tuners see (docs/AUTOSEARCH.md, "Objective"): the knowledge drop and bias shift from
/// the dense model on the same items, the three objectives, the violation of the hard bounds (the sum of each bound's
/// relative excess) and the scalar loss. A feasible plan's loss is its knowledge drop (with a size budget; for facts kept,
/// plus a hundredth of the known facts' mean −log p(gold) increase, which breaks the many ties of a count of a few dozen
/// facts) or its size fraction (without), plus a thousandth of the other as a tie-break (a millionth of the size for the
/// embedding cosine, whose drops are that small); an infeasible plan's is 10 + its violation, above
/// every feasible loss, so scalar tuners still see which infeasible plan is nearer the bounds.
/// </summary>
public sealed class PlanJudge(SearchObjective objective, long denseSearchedBytes, long searchedLimit)
{
    /// <summary>The objective judged against.</summary>
    public SearchObjective Objective => objective;

    /// <summary>The knowledge metric judged on (Retained when the objective leaves it to the data and was not resolved by SearchObjective.For).</summary>
    public KnowledgeMetric Metric => objective.Knowledge ?? KnowledgeMetric.Retained;

    /// <summary>The bound on the searched layers' bytes (long.MaxValue without a size budget).</summary>
    public long SearchedLimit => searchedLimit;

    public long DenseSearchedBytes => denseSearchedBytes;

    /// <summary>The knowledge value of <paramref name="s"/> (higher is better), against the dense model's scores on the same items.</summary>
    public double KnowledgeOf(ModelScores s, ModelScores dense) => Metric switch
    {
        KnowledgeMetric.Retained => KnownFacts.Retained(s, dense),
        KnowledgeMetric.PAt1 => s.PAt1,
        KnowledgeMetric.Mrr => s.Mrr,
        KnowledgeMetric.EmbeddingCosine => s.EmbeddingCosine ?? double.NaN,
        _ => -(s.Kl ?? double.NaN),
    };

    /// <summary>The shift of one bias score from the reference (points, 0–100 scale).</summary>
    public double Shift(double score, double baseScore)
        => objective.BiasReference == BiasReference.Base ? Math.Abs(score - baseScore) : Math.Abs(score - 50) - Math.Abs(baseScore - 50);

    /// <summary>The larger shift of CrowS-Pairs and StereoSet SS, or null when neither was measured.</summary>
    public double? BiasShift(ModelScores s, ModelScores baseline)
    {
        double? crows = s.Crows is double c && baseline.Crows is double bc ? Shift(c, bc) : null;
        double? ss = s.Ss is double x && baseline.Ss is double bx ? Shift(x, bx) : null;
        return crows is null && ss is null ? null : Math.Max(crows ?? double.NegativeInfinity, ss ?? double.NegativeInfinity);
    }

    /// <summary>
    /// The one-sided 95% upper bound of the bias shift: each measure's shift plus 1.645 standard errors of the per-item
    /// paired difference from dense (CrowS-Pairs pairs matched by index, StereoSet examples by id, each item 1 when it
    /// prefers the stereotype; SS's mean over target terms is approximated by the mean over examples), the larger of the
    /// two. The bias bound is checked on it, so a plan that keeps the bound on the search split keeps it on unseen items
    /// unless it was lucky there; null when no bias was measured.
    /// </summary>
    public double? BiasShiftUpper(ModelScores s, ModelScores baseline)
    {
        double? best = null;
        void Take(double shift, IReadOnlyList<double> differences)
        {
            double se = differences.Count < 2 ? 0 : 100 * StandardDeviation(differences) / Math.Sqrt(differences.Count);
            double upper = shift + 1.645 * se;
            best = best is null ? upper : Math.Max(best.Value, upper);
        }
        if (s.Crows is double c && baseline.Crows is double bc && s.CrowsPairs is { } pairs && baseline.CrowsPairs is { } basePairs)
        {
            var before = basePairs.ToDictionary(p => p.Index, CrowsIntervals.PrefersMore);
            Take(Shift(c, bc), pairs.Where(p => before.ContainsKey(p.Index)).Select(p => (CrowsIntervals.PrefersMore(p) ? 1.0 : 0) - (before[p.Index] ? 1 : 0)).ToList());
        }
        if (s.Ss is double x && baseline.Ss is double bx && s.StereoSetExamples is { } ex && baseline.StereoSetExamples is { } baseEx)
        {
            var before = baseEx.GroupBy(e => e.Id).ToDictionary(g => g.Key, g => g.First().Stereotype > g.First().AntiStereotype);
            Take(Shift(x, bx), ex.Where(e => before.ContainsKey(e.Id)).Select(e => (e.Stereotype > e.AntiStereotype ? 1.0 : 0) - (before[e.Id] ? 1 : 0)).ToList());
        }
        return best;
    }

    private static double StandardDeviation(IReadOnlyList<double> v)
    {
        double mean = v.Average();
        return Math.Sqrt(v.Sum(d => (d - mean) * (d - mean)) / (v.Count - 1));
    }

    /// <summary>
    /// Fills in the objectives, violation and loss of measured (or size-rejected) metrics. At a rung below the last
    /// (<paramref name="final"/> false) the bias bound is not applied: a few dozen bias items give shifts too noisy to stop a
    /// trial on, so bias decides only on the whole search split; knowledge and size decide at every rung.
    /// </summary>
    public TrialMetrics Judge(TrialMetrics m, bool final = true)
    {
        double size = (double)m.SearchedBytes / denseSearchedBytes;
        double drop = m.KnowledgeDrop is double d && double.IsFinite(d) ? d : 0;
        double shift = Math.Max(0, m.BiasShift ?? 0);
        double violation = 0;
        if (m.SearchedBytes > searchedLimit) violation += (double)(m.SearchedBytes - searchedLimit) / Math.Max(1, searchedLimit);
        if (m.Evaluated)
        {
            if (objective.MaxKnowledgeDrop is double kd && drop > kd) violation += (drop - kd) / Math.Max(kd, 0.01);
            if (objective.MaxLatencyMs is double ms && m.LatencyMs is double lat && lat > ms) violation += (lat - ms) / ms;
            double upper = Math.Max(shift, m.BiasShiftUpper ?? shift);
            if (final && objective.MaxBiasShift is double bs && upper > bs) violation += (upper - bs) / Math.Max(bs, 1);
        }
        // Facts kept are counted on a few dozen to a few hundred facts, so many plans tie: among plans that keep as many
        // facts, the one whose known facts stay more certain ranks first (a hundredth of the mean log-probability change,
        // less than one fact's step). Ranking by the log-probability alone was tried and chose plans that kept fewer facts
        // on the report split: a few facts whose probability collapses dominate its mean.
        double rank = Metric == KnowledgeMetric.Retained && m.KnownNllIncrease is double nll && double.IsFinite(nll) ? drop + 0.01 * nll : drop;
        // The size tie-break must stay below the differences it breaks ties among: a thousandth is below one fact's step,
        // but near-lossless plans differ in embedding cosine by 1e-5 to 1e-3, so there it is a millionth.
        double tieBreak = Metric == KnowledgeMetric.EmbeddingCosine ? 1e-6 : 1e-3;
        double primary = objective.SizeBudget is not null ? rank + tieBreak * size : size + 1e-3 * Math.Max(rank, 0);
        return m with
        {
            SizeFraction = size,
            Objectives = [size, m.Evaluated ? drop : 1, m.Evaluated ? shift : 100],
            Violation = violation,
            Loss = violation > 0 ? 10 + violation : primary,
        };
    }
}
