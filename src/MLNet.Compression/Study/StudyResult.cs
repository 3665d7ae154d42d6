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
    public long SizeBytes { get; init; }
    /// <summary>Median forward latency of one evaluation batch, milliseconds.</summary>
    public double LatencyMs { get; init; }
    public double? Perplexity { get; init; }
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

    public StudyPoint? Dense => Points.FirstOrDefault(p => p.Method == "dense");
}
