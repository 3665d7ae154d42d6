namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>
/// The knowledge a search keeps. Retained (the default): the share of the facts the dense model gets right (P@1) that the
/// plan still gets right — what compression takes away, without the noise of facts the dense model never knew, which
/// turn right or wrong by chance. PAt1 and Mrr: LAMA P@1 and MRR over every fact. Kl (a cheap proxy for causal LMs):
/// KL of the next-token distributions from the dense model's on calibration text. EmbeddingCosine (for sentence-vector
/// models, bare encoders included): the mean cosine of the plan's sentence vectors to the dense model's on the embedding
/// texts, 1 for dense.
/// </summary>
public enum KnowledgeMetric { Retained, PAt1, Mrr, Kl, EmbeddingCosine }

/// <summary>What a bias shift is measured from: the dense model's score on the same items, or 50 (no preference; the shift is then the growth of the distance from 50).</summary>
public enum BiasReference { Base, Neutral }
