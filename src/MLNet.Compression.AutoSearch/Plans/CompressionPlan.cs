using System.Globalization;
using System.Text.RegularExpressions;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>
/// A per-layer compression plan: a <see cref="LayerSetting"/> for every searched layer. It predicts its stored size
/// (<see cref="SearchedBytes"/>, <see cref="BitsPerWeight"/>) and becomes a <see cref="Recipe"/> that the `compress`
/// command runs: one prune stage over the pruned layers with their sparsities as its plan, then one quantize stage per
/// quantizer over its layers (groups given as an anchored regular expression of layer names, bits as the plan).
/// </summary>
public sealed class CompressionPlan
{
    private readonly CompressionSpace _space;

    public CompressionPlan(CompressionSpace space, IReadOnlyDictionary<string, LayerSetting> settings)
    {
        _space = space;
        Settings = settings;
    }

    /// <summary>Layer name → setting, for every searched layer.</summary>
    public IReadOnlyDictionary<string, LayerSetting> Settings { get; }

    /// <summary>Predicted bytes of the searched layers as stored (weights and biases).</summary>
    public long SearchedBytes => Settings.Sum(kv => LayerBytes.Of(_space.Layers[kv.Key], kv.Value));

    /// <summary>Predicted stored bits per weight over the searched layers, counting scales, zero points, indices and biases.</summary>
    public double BitsPerWeight => 8.0 * SearchedBytes / _space.SearchedParameters;

    /// <summary>True when some layer uses a method that needs calibration text.</summary>
    public bool NeedsCalibration => Settings.Values.Any(s => (s.Pruned && s.Pruner is "wanda" or "sparsegpt") || (s.Bits is int b && b != 16 && s.Quantizer == "gptq"));

    /// <summary>
    /// Compact description: counts of each layer label in order of frequency, e.g. "4b×10 3b×8 2b×6" or "s0.50×12 fp32×12".
    /// </summary>
    public string Summary()
    {
        var counts = Settings.Values.GroupBy(s => s.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal);
        string methods = string.Join(",", Settings.Values.Where(s => s.Pruned).Select(s => s.Pruner).Distinct()
            .Concat(Settings.Values.Where(s => s.Bits is int b && b != 16).Select(s => s.Quantizer).Distinct()));
        return string.Join(" ", counts.Select(g => $"{g.Key}×{g.Count()}")) + (methods.Length > 0 ? $" ({methods})" : "");
    }

    /// <summary>The recipe that applies this plan; <paramref name="calibration"/> is required when <see cref="NeedsCalibration"/>.</summary>
    public Recipe ToRecipe(string? model, int seed, RecipeCalibration? calibration)
    {
        var stages = new List<RecipeStage>();
        var pruned = Settings.Where(kv => kv.Value.Pruned).ToList();
        foreach (var byPruner in pruned.GroupBy(kv => kv.Value.Pruner))
        {
            var names = byPruner.Select(kv => kv.Key).ToList();
            stages.Add(byPruner.Key == "nm"
                ? new RecipeStage { Stage = RecipeMethods.Prune, Method = "nm", Groups = Pattern(names), NM = "2:4" }
                : new RecipeStage
                {
                    // A per-layer sparsity is a local threshold per layer; a global one could not honour it.
                    Stage = RecipeMethods.Prune, Method = byPruner.Key, Groups = Pattern(names), Scope = byPruner.Key == "magnitude" ? "local" : null,
                    Plan = byPruner.ToDictionary(kv => kv.Key, kv => kv.Value.Sparsity, StringComparer.Ordinal),
                    PlanSource = "search plan",
                });
        }
        var quantized = Settings.Where(kv => kv.Value.Bits is not null).ToList();
        var half = quantized.Where(kv => kv.Value.Bits == 16).Select(kv => kv.Key).ToList();
        if (half.Count > 0) stages.Add(new RecipeStage { Stage = RecipeMethods.Quantize, Method = "fp16", Groups = Pattern(half) });
        var int8 = quantized.Where(kv => kv.Value.Bits == 8 && kv.Value.Quantizer == "dynamic-int8").Select(kv => kv.Key).ToList();
        if (int8.Count > 0) stages.Add(new RecipeStage { Stage = RecipeMethods.Quantize, Method = "dynamic-int8", Groups = Pattern(int8) });
        foreach (var byMethod in quantized.Where(kv => kv.Value.Bits != 16 && kv.Value.Quantizer is "rtn" or "gptq").GroupBy(kv => (kv.Value.Quantizer, kv.Value.GroupSize)))
        {
            var names = byMethod.Select(kv => kv.Key).ToList();
            stages.Add(new RecipeStage
            {
                Stage = RecipeMethods.Quantize, Method = byMethod.Key.Quantizer, Groups = Pattern(names), GroupSize = byMethod.Key.GroupSize,
                Plan = byMethod.ToDictionary(kv => kv.Key, kv => (double)kv.Value.Bits!.Value, StringComparer.Ordinal),
                PlanSource = "search plan",
            });
        }
        return new Recipe { Model = model, Seed = seed, Calibration = NeedsCalibration ? calibration : null, Stages = stages };
    }

    /// <summary>An anchored alternation of exact layer names: the module group of one stage.</summary>
    private static string Pattern(IEnumerable<string> names) => "^(?:" + string.Join("|", names.Select(Regex.Escape)) + ")$";

    /// <summary>The plan as JSON text for the per-layer table of a report: layer → {sparsity, pruner, bits, quantizer, group_size, bytes}.</summary>
    public IReadOnlyList<(string Layer, LayerSetting Setting, long Bytes)> Rows()
        => Settings.Select(kv => (kv.Key, kv.Value, LayerBytes.Of(_space.Layers[kv.Key], kv.Value))).ToList();

    public override string ToString() => Summary() + " · " + BitsPerWeight.ToString("0.00", CultureInfo.InvariantCulture) + " bits/weight";
}
