namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>The knowledge score a search kept, which decides how its drop is shown: points of facts kept, P@1 or MRR, nats of KL, or hundredths of embedding cosine.</summary>
public enum KnowledgeUnit { Retained, PAt1, Mrr, Kl, EmbeddingCosine }
