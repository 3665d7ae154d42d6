namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>
/// What a search optimises and the bounds it must keep (docs/AUTOSEARCH.md, "Objective"). With a size budget, the best
/// plan is the one that loses least knowledge inside the budget and the knowledge and bias bounds; without one, it is the
/// smallest plan inside the knowledge and bias bounds. Every trial also carries the three objectives (size as a fraction
/// of dense, knowledge drop, bias shift) for the Pareto front.
/// </summary>
public sealed record SearchObjective
{
    /// <summary>
    /// The knowledge value the search keeps; null: <see cref="KnowledgeMetric.Retained"/> when the search has LAMA facts,
    /// <see cref="KnowledgeMetric.EmbeddingCosine"/> when it has only embedding texts (see <see cref="For"/>).
    /// </summary>
    public KnowledgeMetric? Knowledge { get; init; }
    public BiasReference BiasReference { get; init; } = BiasReference.Base;
    /// <summary>Hard size bound; null: minimise size instead.</summary>
    public SizeBudget? SizeBudget { get; init; }
    /// <summary>Hard bound on the knowledge drop from dense (a share of the known facts for Retained, P@1 or MRR as fractions, e.g. 0.02; nats for KL; 1 − mean cosine for EmbeddingCosine).</summary>
    public double? MaxKnowledgeDrop { get; init; }
    /// <summary>Hard bound on the bias shift in score points (0–100 scale), the larger of CrowS-Pairs and StereoSet SS.</summary>
    public double? MaxBiasShift { get; init; }

    /// <summary>
    /// Hard bound on the measured latency in milliseconds (median of three forwards of a fixed 4 × 32-token batch on this
    /// machine); null for none. Machine-dependent, so a study shared by machines of different speeds should not set it.
    /// </summary>
    public double? MaxLatencyMs { get; init; }

    /// <summary>
    /// This objective with its knowledge metric chosen for the data (Retained with LAMA facts, else EmbeddingCosine), and
    /// checked against it: a metric whose data is missing is a one-line error naming the option.
    /// </summary>
    public SearchObjective For(bool facts, bool texts)
    {
        var metric = Knowledge ?? (facts ? KnowledgeMetric.Retained : KnowledgeMetric.EmbeddingCosine);
        if (metric == KnowledgeMetric.EmbeddingCosine && !texts)
            throw new ArgumentException("--knowledge cosine: the embedding cosine needs embedding texts (--embedding-text FILE, one text per line).");
        if (metric is KnowledgeMetric.Retained or KnowledgeMetric.PAt1 or KnowledgeMetric.Mrr && !facts)
            throw new ArgumentException($"--knowledge {Name(metric)}: LAMA facts are needed for it (--lama DIR); with only --embedding-text use --knowledge cosine.");
        return this with { Knowledge = metric };
    }

    /// <summary>The metric's name on the command line.</summary>
    public static string Name(KnowledgeMetric metric) => metric switch
    {
        KnowledgeMetric.Retained => "retained", KnowledgeMetric.PAt1 => "p@1", KnowledgeMetric.Mrr => "mrr", KnowledgeMetric.Kl => "kl", _ => "cosine",
    };

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
