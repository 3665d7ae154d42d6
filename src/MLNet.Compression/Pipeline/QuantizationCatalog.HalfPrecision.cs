using MLNet.Compression.Compression;
using MLNet.Compression.Compression.Quantization;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

public sealed partial class QuantizationCatalog
{
    /// <summary>float16 weight storage (seed study 2's fp16 setting): half the memory, widened in registers.</summary>
    public HalfPrecisionEstimator Float16(ModuleGroup? groups = null)
        => new(new HalfPrecisionEstimator.Options { Kind = HalfKind.Float16, Groups = groups ?? ModuleGroup.All });

    /// <summary>bfloat16 weight storage: float32's range with 8 bits of precision.</summary>
    public HalfPrecisionEstimator BFloat16(ModuleGroup? groups = null)
        => new(new HalfPrecisionEstimator.Options { Kind = HalfKind.BFloat16, Groups = groups ?? ModuleGroup.All });

    /// <summary>16-bit weight storage with every setting spelled out.</summary>
    public HalfPrecisionEstimator HalfPrecision(HalfPrecisionEstimator.Options options) => new(options);
}

/// <summary>Stores each chosen linear weight in 16 bits (<see cref="HalfWeight"/>), rounding to nearest even.</summary>
public sealed class HalfPrecisionEstimator : LayerQuantizationEstimator
{
    /// <summary>Settings of 16-bit weight storage.</summary>
    public sealed class Options
    {
        /// <summary>float16 or bfloat16. Default: <see cref="HalfKind.Float16"/>.</summary>
        public HalfKind Kind { get; set; } = HalfKind.Float16;

        /// <summary>Layers to convert. Default: <see cref="ModuleGroup.All"/>.</summary>
        public ModuleGroup Groups { get; set; } = ModuleGroup.All;
    }

    public HalfPrecisionEstimator(Options options) : base(options.Groups) => Settings = options;

    public Options Settings { get; }

    protected override string Method => Settings.Kind == HalfKind.Float16 ? "fp16" : "bf16";

    protected override (IWeight, int, IReadOnlyDictionary<string, string>) QuantizeLayer(Linear layer)
        => (new HalfWeight(layer.Weight.ToDense(), Settings.Kind), 16, new Dictionary<string, string>());
}
