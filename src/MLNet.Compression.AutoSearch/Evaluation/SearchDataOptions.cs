namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// The knowledge, bias and calibration data a search measures plans on. At least one of <see cref="LamaDir"/> (facts, for
/// masked and causal LMs) and <see cref="EmbeddingTextFile"/> (sentence vectors, for any model with hidden states, bare
/// encoders included) is needed.
/// </summary>
public sealed record SearchDataOptions
{
    /// <summary>A LAMA folder (relations.jsonl + facts), or null for none. For a causal LM, its next-token form.</summary>
    public string? LamaDir { get; init; }

    /// <summary>
    /// Texts, one per line (blank lines skipped), whose sentence vectors a plan must keep close to the dense model's
    /// (the objective's embedding cosine); null for none. The vectors are made as the model folder's sentence-transformers
    /// configuration says (mean pooling for a plain folder).
    /// </summary>
    public string? EmbeddingTextFile { get; init; }

    /// <summary>A CrowS-Pairs CSV, or null for no CrowS-Pairs bias.</summary>
    public string? CrowsFile { get; init; }

    /// <summary>StereoSet files (CSV or JSON); the first split each model kind scores is used.</summary>
    public IReadOnlyList<string> StereoSetFiles { get; init; } = [];

    /// <summary>
    /// Calibration text, one sample per line: needed by wanda, sparsegpt and gptq, and by the KL proxy of causal LMs.
    /// Without it those methods leave the space.
    /// </summary>
    public string? CalibrationFile { get; init; }

    /// <summary>Calibration samples read. Default 64.</summary>
    public int CalibrationSamples { get; init; } = 64;

    /// <summary>The search/report split of items. Default half and half.</summary>
    public ItemSplit Split { get; init; } = new();
}
