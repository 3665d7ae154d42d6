using System.Text.Json.Serialization;

namespace MLNet.Compression.Study;

/// <summary>
/// One compressed variant of a model and what it scored. Field names are the snake_case ones results.json uses.
/// </summary>
public sealed record StudyPoint
{
    /// <summary>A label such as "magnitude ffn 0.5" or "dense".</summary>
    public required string Name { get; init; }
    /// <summary>"dense", "magnitude", "dynamic-int8", "magnitude+int8", "ln-structured", …</summary>
    public required string Method { get; init; }
    /// <summary>Module group the method touched ("attention-qkv", "ffn", "all", "head"), or "none".</summary>
    public string Group { get; init; } = "none";
    public double Sparsity { get; init; }
    /// <summary>Bits per weight of the compressed layers (32 for float32).</summary>
    public int Bits { get; init; } = 32;

    /// <summary>LAMA micro P@1 over all facts.</summary>
    [JsonPropertyName("p_at_1")]
    public double? PAt1 { get; init; }
    /// <summary>P@1 over facts stated at least the world's frequent threshold times.</summary>
    [JsonPropertyName("p_at_1_frequent")]
    public double? PAt1Frequent { get; init; }
    /// <summary>P@1 over facts stated below it.</summary>
    [JsonPropertyName("p_at_1_rare")]
    public double? PAt1Rare { get; init; }
    [JsonPropertyName("p_at_1_by_relation")]
    public IReadOnlyDictionary<string, double> PAt1ByRelation { get; init; } = new Dictionary<string, double>();
    /// <summary>CrowS-Pairs metric score, % of pairs where the stereotypical sentence scores higher (50 = no preference).</summary>
    public double? CrowsScore { get; init; }
    public double? StereoSetSs { get; init; }
    public double? StereoSetLms { get; init; }
    public double? StereoSetIcat { get; init; }
    /// <summary>Bytes of every weight as stored (linear layers in their compressed forms, embeddings, norms; tied weights once).</summary>
    public long SizeBytes { get; init; }
    /// <summary>Bytes of the linear layers (LM head included unless tied to the embeddings) in their stored forms.</summary>
    public long LinearBytes { get; init; }
    /// <summary>Bytes of the weights outside linear layers: embeddings, norms, buffers.</summary>
    public long OtherBytes { get; init; }
    /// <summary>Median forward latency of one evaluation batch, milliseconds.</summary>
    public double LatencyMs { get; init; }
    public double? Perplexity { get; init; }
    /// <summary>Mean per-token KL(dense ‖ this point) on the same held-out text; 0 for the dense point.</summary>
    [JsonPropertyName("kl_from_dense")]
    public double? KlFromDense { get; init; }

    /// <summary>Mean cosine between this point's and the dense model's sentence vectors of the study's embedding texts.</summary>
    public double? EmbeddingCosine { get; init; }

    /// <summary>Spearman correlation of this point's pairwise text similarities with the dense model's.</summary>
    public double? EmbeddingSpearman { get; init; }
    /// <summary>
    /// Each reported score with its interval and paired test against the dense model: keys "p_at_1", "p_at_1_frequent",
    /// "p_at_1_rare", "p_at_1/RELATION", "crows", "ss", "lms", "icat".
    /// </summary>
    public IReadOnlyDictionary<string, StudyEstimate> Intervals { get; init; } = new Dictionary<string, StudyEstimate>();
}

/// <summary>All points of a study on one model.</summary>
public sealed record StudyResult
{
    public required string Model { get; init; }
    public required string ModelType { get; init; }
    public required string Grid { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public double WallSeconds { get; init; }
    public required IReadOnlyList<StudyPoint> Points { get; init; }
    /// <summary>The checkpoint's label when the study runs over pretraining checkpoints (folder name), else null.</summary>
    public string? Checkpoint { get; init; }
    /// <summary>The checkpoint's training step (trainer_state.json's global_step, or the number in its folder name).</summary>
    public long? Step { get; init; }
    /// <summary>Step as a fraction of the last checkpoint's step: pretraining progress in [0, 1].</summary>
    public double? Progress { get; init; }
    /// <summary>Resamples of the percentile bootstrap behind every interval.</summary>
    public int BootstrapResamples { get; init; }
    /// <summary>Seed of that bootstrap.</summary>
    public int BootstrapSeed { get; init; }

    public StudyPoint? Dense => Points.FirstOrDefault(p => p.Method == "dense");
}
