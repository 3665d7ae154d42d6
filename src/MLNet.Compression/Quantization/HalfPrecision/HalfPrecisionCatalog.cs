using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Quantization;

public static class HalfPrecisionCatalog
{
    /// <summary>float16 weight storage (seed study 2's fp16 setting): half the memory, widened in registers.</summary>
    public static HalfPrecisionEstimator Float16(this QuantizationCatalog catalog, ModuleGroup? groups = null)
        => catalog.HalfPrecision(new HalfPrecisionEstimator.Options { Kind = HalfKind.Float16 }.With(groups));

    /// <summary>bfloat16 weight storage: float32's range with 8 bits of precision.</summary>
    public static HalfPrecisionEstimator BFloat16(this QuantizationCatalog catalog, ModuleGroup? groups = null)
        => catalog.HalfPrecision(new HalfPrecisionEstimator.Options { Kind = HalfKind.BFloat16 }.With(groups));

    /// <summary>16-bit weight storage with every setting spelled out.</summary>
    public static HalfPrecisionEstimator HalfPrecision(this QuantizationCatalog catalog, HalfPrecisionEstimator.Options options) => new(catalog.Context, options);

    private static HalfPrecisionEstimator.Options With(this HalfPrecisionEstimator.Options o, ModuleGroup? groups)
    {
        o.Groups = groups ?? o.Groups;
        return o;
    }
}
