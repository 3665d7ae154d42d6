namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>How a knowledge drop reads in charts and tables.</summary>
public static class KnowledgeUnits
{
    /// <summary>P@1, MRR and the embedding cosine are fractions, shown as points (× 100); KL stays in nats.</summary>
    public static double Scale(this KnowledgeUnit u) => u == KnowledgeUnit.Kl ? 1 : 100;

    /// <summary>"facts lost (%)", "P@1 drop (points)", "MRR drop (points)", "KL from dense (nats)" or "embedding cosine lost (points)".</summary>
    public static string DropLabel(this KnowledgeUnit u) => u switch
    {
        KnowledgeUnit.Retained => "facts lost (% of the facts dense knows)",
        KnowledgeUnit.PAt1 => "LAMA P@1 drop from dense (points)",
        KnowledgeUnit.Mrr => "LAMA MRR drop from dense (points)",
        KnowledgeUnit.EmbeddingCosine => "embedding cosine lost: 1 − cosine to dense (points)",
        _ => "knowledge lost: KL from dense (nats)",
    };
}
