using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// What one model scores on one part of the data: knowledge (LAMA P@1, MRR, and the mean negative log-probability of the
/// gold object, a smooth proxy the sensitivity pass uses), bias (CrowS-Pairs metric score and StereoSet SS/LMS, 0–100)
/// and, for a causal LM with calibration text, the KL of its next-token distributions from the dense model's. The item
/// results are kept so the report split gets intervals and paired tests against the dense model.
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
}
