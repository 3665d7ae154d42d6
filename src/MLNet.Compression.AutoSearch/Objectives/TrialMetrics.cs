using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>
/// What a trial measured at one fidelity, and how the objective judged it (docs/AUTOSEARCH.md, "Trials"): stored as the
/// trial's metrics (its last rung) and in its rung list. Knowledge and bias numbers are on the search split.
/// </summary>
public sealed record TrialMetrics
{
    /// <summary>0-based rung of the multi-fidelity schedule.</summary>
    public int Rung { get; init; }
    /// <summary>Share of the search split measured.</summary>
    public double Fraction { get; init; }
    /// <summary>False when the plan was rejected on its predicted size before any evaluation.</summary>
    public bool Evaluated { get; init; }
    public int NFacts { get; init; }
    /// <summary>The objective's knowledge value (facts kept, P@1, MRR, −KL or embedding cosine) and the dense model's on the same items.</summary>
    public double? Knowledge { get; init; }
    public double? BaseKnowledge { get; init; }
    public double? KnowledgeDrop { get; init; }
    [JsonPropertyName("p_at_1")]
    public double? PAt1 { get; init; }
    /// <summary>Share of the facts the dense model gets right that this plan still gets right.</summary>
    public double? Retained { get; init; }
    /// <summary>Increase of the mean −log p(gold) over the facts the dense model gets right: the smooth form of facts kept that ranks plans.</summary>
    public double? KnownNllIncrease { get; init; }
    public double? Mrr { get; init; }
    public double? FactNll { get; init; }
    public double? Kl { get; init; }
    /// <summary>Mean cosine of the plan's sentence vectors to the dense model's on the embedding texts measured; null without embedding texts (and in trials stored before it existed).</summary>
    public double? EmbeddingCosine { get; init; }
    /// <summary>Embedding texts measured; null without embedding texts.</summary>
    public int? NTexts { get; init; }
    public double? Crows { get; init; }
    public double? BaseCrows { get; init; }
    public double? Ss { get; init; }
    public double? BaseSs { get; init; }
    /// <summary>The larger of the CrowS-Pairs and StereoSet shifts (points), from the reference the objective names.</summary>
    public double? BiasShift { get; init; }
    /// <summary>The one-sided 95% upper bound of <see cref="BiasShift"/> the bias bound is checked on (see PlanJudge.BiasShiftUpper).</summary>
    public double? BiasShiftUpper { get; init; }
    /// <summary>Searched layers' bytes as stored (measured after compression; predicted when not evaluated).</summary>
    public long SearchedBytes { get; init; }
    /// <summary>The whole model's bytes as stored.</summary>
    public long ModelBytes { get; init; }
    public double BitsPerWeight { get; init; }
    /// <summary>Searched bytes as a fraction of the dense float32 bytes of the same layers.</summary>
    public double SizeFraction { get; init; }
    public double? LatencyMs { get; init; }
    /// <summary>The scalar the tuners minimise.</summary>
    public double Loss { get; init; }
    /// <summary>[size fraction, knowledge drop, bias shift], each lower-is-better, for the Pareto front.</summary>
    public IReadOnlyList<double> Objectives { get; init; } = [];
    /// <summary>How far the hard bounds are broken (0: all kept).</summary>
    public double Violation { get; init; }
    public bool Feasible => Violation == 0;
    /// <summary>The plan's summary ("4b×10 3b×8 (rtn)").</summary>
    public string Plan { get; init; } = "";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
    public static TrialMetrics FromJson(string json) => JsonSerializer.Deserialize<TrialMetrics>(json, Json)!;

    /// <summary>A rung list as stored in a trial's rungs.</summary>
    public static string ListToJson(IReadOnlyList<TrialMetrics> rungs) => JsonSerializer.Serialize(rungs, Json);
    public static IReadOnlyList<TrialMetrics> ListFromJson(string? json) => string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<TrialMetrics>>(json, Json)!;
}
