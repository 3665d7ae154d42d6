using MLNet.Compression.Pipeline;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Quantization;

/// <summary>
/// Replaces each chosen linear weight by an <see cref="Int8Weight"/>: symmetric int8 weights fixed now, activations
/// quantized on every call from their own range, the int8 GEMM doing the work (seed studies 1 and 2's quantize_dynamic).
/// </summary>
public sealed class DynamicInt8Estimator : LayerQuantizationEstimator
{
    /// <summary>Settings of dynamic int8 quantization.</summary>
    public sealed class Options
    {
        /// <summary>Layers to quantize. Default: <see cref="ModuleGroup.All"/> (every linear but the LM head, as quantize_dynamic on the encoder).</summary>
        public ModuleGroup Groups { get; set; } = ModuleGroup.All;

        /// <summary>One scale per output row (per_channel_dynamic_qconfig) instead of one per tensor (default_dynamic_qconfig). Default: false.</summary>
        public bool PerChannel { get; set; }

        /// <summary>Whose activation rounding and float conversion to reproduce. Default: <see cref="QuantizationEngine.Fbgemm"/>, PyTorch's x86 default.</summary>
        public QuantizationEngine Engine { get; set; } = QuantizationEngine.Fbgemm;
    }

    public DynamicInt8Estimator(CompressionContext context, Options options) : base(context, options.Groups) => Settings = options;

    public Options Settings { get; }

    protected override string Method => "dynamic-int8";

    protected override int PlannedBits(Linear layer) => 8;

    protected override (IWeight, int, IReadOnlyDictionary<string, string>) QuantizeLayer(Linear layer)
        => (Int8Weight.Quantize(layer.Weight.ToDense(), Settings.PerChannel, Settings.Engine), 8, new Dictionary<string, string>
        {
            ["scheme"] = Settings.PerChannel ? "per-channel" : "per-tensor",
            ["engine"] = Settings.Engine.ToString().ToLowerInvariant(),
        });
}
