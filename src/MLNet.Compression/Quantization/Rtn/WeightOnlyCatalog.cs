using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Quantization;

public static class WeightOnlyCatalog
{
    /// <summary>Round-to-nearest weight-only quantization at <paramref name="bits"/> (2..8) with one grid per <paramref name="groupSize"/> columns.</summary>
    public static WeightOnlyEstimator WeightOnly(this QuantizationCatalog catalog, int? bits = null, int? groupSize = null, bool? symmetric = null, ModuleGroup? groups = null, BitPlan? plan = null)
    {
        var o = new WeightOnlyEstimator.Options();
        o.Bits = bits ?? o.Bits;
        o.GroupSize = groupSize ?? o.GroupSize;
        o.Symmetric = symmetric ?? o.Symmetric;
        o.Groups = groups ?? o.Groups;
        o.Plan = plan ?? o.Plan;
        return catalog.WeightOnly(o);
    }

    /// <summary>Round-to-nearest weight-only quantization with every setting spelled out.</summary>
    public static WeightOnlyEstimator WeightOnly(this QuantizationCatalog catalog, WeightOnlyEstimator.Options options) => new(catalog.Context, options);
}
