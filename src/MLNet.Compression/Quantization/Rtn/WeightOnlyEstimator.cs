using MLNet.Compression.Pipeline;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Quantization;

/// <summary>Quantizes each chosen weight to a packed k-bit <see cref="KBitWeight"/> by rounding to the nearest grid point (RTN).</summary>
public sealed class WeightOnlyEstimator : LayerQuantizationEstimator
{
    /// <summary>Settings of RTN weight-only quantization.</summary>
    public sealed class Options
    {
        /// <summary>Bits per weight, 2..8. Default: 4.</summary>
        public int Bits { get; set; } = 4;

        /// <summary>Columns sharing a scale and zero point (a multiple of 16); 0 or less: one per row. Default: 128, as GPTQ's and AWQ's releases.</summary>
        public int GroupSize { get; set; } = 128;

        /// <summary>Symmetric grids (zero point fixed in the middle, not stored). Default: false (the GPTQ reference's default).</summary>
        public bool Symmetric { get; set; }

        /// <summary>Layers to quantize. Default: <see cref="ModuleGroup.All"/>.</summary>
        public ModuleGroup Groups { get; set; } = ModuleGroup.All;

        /// <summary>Per-layer bits overriding <see cref="Bits"/>. Default: none.</summary>
        public BitPlan? Plan { get; set; }
    }

    public WeightOnlyEstimator(CompressionContext context, Options options) : base(context, options.Groups)
    {
        if (options.Bits < 2 || options.Bits > 8) throw new ArgumentOutOfRangeException(nameof(options), $"bits must be 2..8, got {options.Bits}.");
        Settings = options;
    }

    public Options Settings { get; }

    protected override string Method => "rtn";

    protected override int PlannedBits(Linear layer) => Settings.Plan?.BitsFor(layer.Name, Settings.Bits) ?? Settings.Bits;

    protected override void Validate(IReadOnlyList<Linear> layers) => Settings.Plan?.CheckCovers(layers.Select(l => l.Name));

    protected override void Prepare(LanguageModel clone, IReadOnlyList<Linear> layers, CalibrationData? calibration) => Validate(layers);

    protected override (IWeight, int, IReadOnlyDictionary<string, string>) QuantizeLayer(Linear layer)
    {
        int bits = PlannedBits(layer);
        var w = RtnQuantizer.Quantize(layer.Weight.ToDense(), bits, Settings.GroupSize, Settings.Symmetric);
        return (w, bits, new Dictionary<string, string> { ["group_size"] = Str(w.GroupSize), ["symmetric"] = Settings.Symmetric ? "true" : "false" });
    }
}
