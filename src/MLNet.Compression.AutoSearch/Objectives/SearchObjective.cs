namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>
/// What a search optimises and the bounds it must keep (docs/AUTOSEARCH.md, "Objective"). With a size budget, the best
/// plan is the one that loses least knowledge inside the budget and the knowledge and bias bounds; without one, it is the
/// smallest plan inside the knowledge and bias bounds. Every trial also carries the three objectives (size as a fraction
/// of dense, knowledge drop, bias shift) for the Pareto front.
/// </summary>
public sealed record SearchObjective
{
    public KnowledgeMetric Knowledge { get; init; } = KnowledgeMetric.Retained;
    public BiasReference BiasReference { get; init; } = BiasReference.Base;
    /// <summary>Hard size bound; null: minimise size instead.</summary>
    public SizeBudget? SizeBudget { get; init; }
    /// <summary>Hard bound on the knowledge drop from dense (a share of the known facts for Retained, P@1 or MRR as fractions, e.g. 0.02; nats for KL).</summary>
    public double? MaxKnowledgeDrop { get; init; }
    /// <summary>Hard bound on the bias shift in score points (0–100 scale), the larger of CrowS-Pairs and StereoSet SS.</summary>
    public double? MaxBiasShift { get; init; }

    /// <summary>
    /// Hard bound on the measured latency in milliseconds (median of three forwards of a fixed 4 × 32-token batch on this
    /// machine); null for none. Machine-dependent, so a study shared by machines of different speeds should not set it.
    /// </summary>
    public double? MaxLatencyMs { get; init; }

    /// <summary>Throws when the objective cannot choose a plan (no budget and no knowledge bound) or a bound is out of range.</summary>
    public void Validate()
    {
        if (SizeBudget is null && MaxKnowledgeDrop is null)
            throw new ArgumentException("objective: give a size budget (--size-budget) or a knowledge bound (--max-knowledge-drop); without either the smallest plan is the one that deletes everything.");
        if (MaxKnowledgeDrop is double d && !(d >= 0)) throw new ArgumentException($"--max-knowledge-drop: {d} (expected a non-negative drop, e.g. 0.02).");
        if (MaxLatencyMs is double l && !(l > 0)) throw new ArgumentException($"--max-latency-ms: {l} (expected a positive number of milliseconds).");
        if (MaxBiasShift is double b && !(b >= 0 && b <= 100)) throw new ArgumentException($"--max-bias-shift: {b} (expected points between 0 and 100, e.g. 3).");
    }
}
