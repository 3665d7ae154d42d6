using System.Text.Json.Serialization;
using MLNet.Compression.Evaluation.Statistics;

namespace MLNet.Compression.Study;

/// <summary>
/// A reported number with its uncertainty, as results.json writes it: the value, its 95% percentile-bootstrap interval
/// (ci_low, ci_high), and for a compressed point the paired comparison with the dense model on the same items.
/// </summary>
public sealed record StudyEstimate
{
    public double Value { get; init; }
    [JsonPropertyName("ci_low")]
    public double CiLow { get; init; }
    [JsonPropertyName("ci_high")]
    public double CiHigh { get; init; }
    /// <summary>Two-sided p-value of "no change from the dense model" (exact sign test for per-item right/wrong or prefer/not, paired bootstrap otherwise); null on the dense point.</summary>
    [JsonPropertyName("p_vs_base")]
    public double? PVsBase { get; init; }
    /// <summary>Items that turned right (or to the stereotype) against the dense model.</summary>
    public int? Gained { get; init; }
    /// <summary>Items that turned wrong (or away from the stereotype).</summary>
    public int? Lost { get; init; }
    /// <summary>The test behind <see cref="PVsBase"/>.</summary>
    public string? Test { get; init; }

    public static StudyEstimate From(Interval interval, PairedComparison? vsBase = null) => new()
    {
        Value = interval.Estimate, CiLow = interval.Low, CiHigh = interval.High,
        PVsBase = vsBase?.PValue, Gained = vsBase?.Gained, Lost = vsBase?.Lost, Test = vsBase?.Test,
    };
}
