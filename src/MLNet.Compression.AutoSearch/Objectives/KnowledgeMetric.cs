namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>The knowledge a search keeps: LAMA P@1, LAMA MRR, or (a cheap proxy for causal LMs) KL from the dense model on calibration text.</summary>
public enum KnowledgeMetric { PAt1, Mrr, Kl }

/// <summary>What a bias shift is measured from: the dense model's score on the same items, or 50 (no preference; the shift is then the growth of the distance from 50).</summary>
public enum BiasReference { Base, Neutral }
