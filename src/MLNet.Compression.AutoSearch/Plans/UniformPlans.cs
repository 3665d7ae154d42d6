using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>
/// The uniform plans a searched plan is compared with: every layer at one bit-width with one quantizer; every layer at one
/// sparsity with one pruner; and every layer at one sparsity then int8. Only those whose predicted size fits a limit are
/// compared, since a plan over the budget is not an alternative.
/// </summary>
public static class UniformPlans
{
    /// <summary>(name, plan) of every uniform plan over the space's layers whose predicted searched bytes fit <paramref name="searchedLimit"/>.</summary>
    public static IReadOnlyList<(string Name, CompressionPlan Plan)> Fitting(CompressionSpace space, long searchedLimit, bool withCalibration)
    {
        var list = new List<(string, CompressionPlan)>();
        int g = space.Options.GroupSizes[0];
        string[] quantizers = withCalibration ? ["rtn", "gptq"] : ["rtn"];
        string[] pruners = withCalibration ? ["magnitude", "wanda", "sparsegpt"] : ["magnitude"];
        void Add(string name, LayerSetting s)
        {
            // Built from settings, not from a point: a point's quantized units are never pruned, and these baselines prune then quantize.
            var plan = new CompressionPlan(space, space.Layers.Keys.ToDictionary(l => l, _ => s, StringComparer.Ordinal));
            if (plan.SearchedBytes <= searchedLimit) list.Add((name, plan));
        }
        Add("uniform fp16", new LayerSetting(0, "magnitude", 16, "rtn", g));
        Add("uniform int8", new LayerSetting(0, "magnitude", 8, "dynamic-int8", g));
        foreach (var q in quantizers)
            foreach (int bits in new[] { 8, 4, 3, 2 })
                Add($"uniform {q} {bits}-bit", new LayerSetting(0, "magnitude", bits, q, g));
        Add("uniform 2:4", new LayerSetting(0.5, "nm", null, "rtn", g));
        Add("uniform 2:4 + int8", new LayerSetting(0.5, "nm", 8, "dynamic-int8", g));
        foreach (var p in pruners)
            for (int k = 10; k <= 19; k++)
            {
                double s = k * 0.05;
                Add($"uniform {p} {s:0.00}", new LayerSetting(s, p, null, "rtn", g));
                Add($"uniform {p} {s:0.00} + int8", new LayerSetting(s, p, 8, "dynamic-int8", g));
            }
        return list;
    }
}
