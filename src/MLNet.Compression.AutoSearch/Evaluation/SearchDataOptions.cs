namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>The knowledge, bias and calibration data a search measures plans on.</summary>
public sealed record SearchDataOptions
{
    /// <summary>A LAMA folder (relations.jsonl + facts); required. For a causal LM, its next-token form.</summary>
    public required string LamaDir { get; init; }

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
