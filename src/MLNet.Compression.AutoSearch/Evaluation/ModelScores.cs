using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// What one model scores on one part of the data: knowledge (LAMA P@1, MRR, and the mean negative log-probability of the
/// gold object, a smooth proxy the sensitivity pass uses), bias (CrowS-Pairs metric score and StereoSet SS/LMS, 0–100)
/// and, for a causal LM with calibration text, the KL of its next-token distributions from the dense model's; with
/// embedding texts, the cosine of each text's sentence vector to the dense model's. The item results are kept so the
/// report split gets intervals and paired tests against the dense model. Without LAMA facts NFacts is 0 and the fact
/// scores are NaN.
/// </summary>
public sealed record ModelScores
{
    public required int NFacts { get; init; }
    public required double PAt1 { get; init; }
    public required double Mrr { get; init; }
    public required double FactNll { get; init; }
    public double? Crows { get; init; }
    public double? Ss { get; init; }
    public double? Lms { get; init; }
    public double? Kl { get; init; }
    public IReadOnlyList<LamaRelationResult> Relations { get; init; } = [];
    public IReadOnlyList<CrowsPairScore>? CrowsPairs { get; init; }
    public IReadOnlyList<StereoSetExampleScore>? StereoSetExamples { get; init; }

    /// <summary>Mean over the measured texts of the cosine between this model's sentence vector and the dense model's; null without embedding texts (NaN when the share has none).</summary>
    public double? EmbeddingCosine { get; init; }
    /// <summary>Indices (into SearchDataset.EmbeddingTexts) of the texts measured, in order.</summary>
    public IReadOnlyList<int>? TextIndices { get; init; }
    /// <summary>This model's sentence vector of each measured text, in the order of <see cref="TextIndices"/>.</summary>
    public IReadOnlyList<float[]>? TextVectors { get; init; }
    /// <summary>The cosine of each measured text's vector to the dense model's, in the order of <see cref="TextIndices"/>.</summary>
    public IReadOnlyList<double>? TextCosines { get; init; }
}
