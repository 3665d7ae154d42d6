using System.Text.Json;

namespace MLNet.Compression.AutoSearch.Sensitivity;

/// <summary>
/// Each unit's sensitivity (docs/AUTOSEARCH.md, "Tuners"): for every probe setting, the change of the proxy loss when only
/// that unit takes the setting while the others hold the context setting, and the unit's bytes under it. Stored with the study so a
/// resumed search and every worker use the same table.
/// </summary>
public sealed record SensitivityTable
{
    /// <summary>What was measured: "fact_nll" (mean −log p of the gold object on the search split), "calibration_kl", or "embedding_cosine" (1 − mean cosine of the sentence vectors to dense on the search split's texts).</summary>
    public required string Proxy { get; init; }
    /// <summary>The proxy value of the context plan (every unit at <see cref="Context"/>).</summary>
    public required double Base { get; init; }
    /// <summary>The setting the other units held while one was probed ("fp32": probed alone in the dense model).</summary>
    public string Context { get; init; } = "fp32";
    /// <summary>Share of the search split measured.</summary>
    public required double Fraction { get; init; }
    public required IReadOnlyList<UnitSensitivity> Units { get; init; }
    public double Seconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Objectives.TrialMetrics.Json);
    public static SensitivityTable FromJson(string json) => JsonSerializer.Deserialize<SensitivityTable>(json, Objectives.TrialMetrics.Json)!;
}

/// <summary>One unit's probes.</summary>
public sealed record UnitSensitivity(string Unit, IReadOnlyList<ProbeResult> Probes);

/// <summary>One probe: the setting (sparsity, bits; null bits = float32), its bytes, and the proxy's increase over dense.</summary>
public sealed record ProbeResult(string Label, double Sparsity, int? Bits, long Bytes, double Delta);
