using MLNet.Compression.Pipeline;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Quantization;

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

    public HalfPrecisionEstimator(CompressionContext context, Options options) : base(context, options.Groups) => Settings = options;

    public Options Settings { get; }

    protected override string Method => Settings.Kind == HalfKind.Float16 ? "fp16" : "bf16";

    protected override int PlannedBits(Linear layer) => 16;

    protected override (IWeight, int, IReadOnlyDictionary<string, string>) QuantizeLayer(Linear layer)
        => (new HalfWeight(layer.Weight.ToDense(), Settings.Kind), 16, new Dictionary<string, string>());
}
