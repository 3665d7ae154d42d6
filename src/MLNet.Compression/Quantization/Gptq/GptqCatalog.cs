using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Quantization;

public static class GptqCatalog
{
    /// <summary>GPTQ (Frantar et al. 2022) at <paramref name="bits"/> with calibration text passed to Fit.</summary>
    public static GptqEstimator Gptq(this QuantizationCatalog catalog, int? bits = null, int? groupSize = null, bool? symmetric = null, bool? actOrder = null, ModuleGroup? groups = null, BitPlan? plan = null)
    {
        var o = new GptqEstimator.Options();
        o.Bits = bits ?? o.Bits;
        o.GroupSize = groupSize ?? o.GroupSize;
        o.Symmetric = symmetric ?? o.Symmetric;
        o.ActOrder = actOrder ?? o.ActOrder;
        o.Groups = groups ?? o.Groups;
        o.Plan = plan ?? o.Plan;
        return catalog.Gptq(o);
    }

    /// <summary>GPTQ with every setting spelled out.</summary>
    public static GptqEstimator Gptq(this QuantizationCatalog catalog, GptqEstimator.Options options) => new(catalog.Context, options);
}
