using MLNet.Compression.Pipeline;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Quantization;

/// <summary>
/// GPTQ weight-only quantization: each chosen layer's inputs on the calibration text give its Hessian, and
/// <see cref="GptqQuantizer"/> rounds column by column while compensating the error. Layers are processed in model order in
/// chunks that fit <see cref="Options.HessianBudgetBytes"/>; each chunk's inputs are captured on the model with the earlier
/// chunks already quantized, so later layers see the errors of earlier ones, as in the reference's sequential loop.
/// </summary>
public sealed class GptqEstimator : LayerQuantizationEstimator
{
    /// <summary>Settings of GPTQ.</summary>
    public sealed class Options
    {
        /// <summary>Bits per weight, 2..8. Default: 4.</summary>
        public int Bits { get; set; } = 4;

        /// <summary>Columns per grid (a multiple of 16); 0 or less: one per row. Default: 128.</summary>
        public int GroupSize { get; set; } = 128;

        /// <summary>Symmetric grids. Default: false (reference default).</summary>
        public bool Symmetric { get; set; }

        /// <summary>Dampening: this fraction of the mean Hessian diagonal is added to it. Default: 0.01 (reference --percdamp).</summary>
        public double PercentDamp { get; set; } = 0.01;

        /// <summary>Columns per lazy batch update. Default: 128 (reference blocksize).</summary>
        public int BlockSize { get; set; } = 128;

        /// <summary>Quantize columns in order of decreasing Hessian diagonal (with static groups). Default: false.</summary>
        public bool ActOrder { get; set; }

        /// <summary>Layers to quantize. Default: <see cref="ModuleGroup.All"/>.</summary>
        public ModuleGroup Groups { get; set; } = ModuleGroup.All;

        /// <summary>Per-layer bits overriding <see cref="Bits"/>. Default: none.</summary>
        public BitPlan? Plan { get; set; }

        /// <summary>Most memory the Hessians of one chunk of layers may hold. Default: 256 MiB.</summary>
        public long HessianBudgetBytes { get; set; } = 256L << 20;
    }

    private readonly Dictionary<Linear, IWeight> _done = new();

    public GptqEstimator(CompressionContext context, Options options) : base(context, options.Groups)
    {
        if (options.Bits < 2 || options.Bits > 8) throw new ArgumentOutOfRangeException(nameof(options), $"bits must be 2..8, got {options.Bits}.");
        Settings = options;
    }

    public Options Settings { get; }

    protected override string Method => "gptq";

    public override ModelTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
    {
        if (calibration is null) throw new ArgumentException("GPTQ needs calibration text: pass CalibrationData to Fit.");
        lock (_done)
        {
            _done.Clear();
            try { return base.Fit(model, calibration); }
            finally { _done.Clear(); }
        }
    }

    protected override int PlannedBits(Linear layer) => Settings.Plan?.BitsFor(layer.Name, Settings.Bits) ?? Settings.Bits;

    protected override void Validate(IReadOnlyList<Linear> layers) => Settings.Plan?.CheckCovers(layers.Select(l => l.Name));

    protected override void Prepare(LanguageModel clone, IReadOnlyList<Linear> layers, CalibrationData? calibration)
    {
        Validate(layers);
        int start = 0;
        while (start < layers.Count)
        {
            long bytes = 0;
            int end = start;
            while (end < layers.Count && (end == start || bytes + (long)layers[end].InFeatures * layers[end].InFeatures * 8 <= Settings.HessianBudgetBytes))
                bytes += (long)layers[end++].InFeatures * layers[end - 1].InFeatures * 8;
            var chunk = layers.Skip(start).Take(end - start).ToList();
            var hessians = chunk.ToDictionary(l => l, l => new HessianAccumulator(l.InFeatures));
            calibration!.Capture(clone, chunk, (l, x, rows) => hessians[l].Add(x, rows));
            foreach (var l in chunk)
            {
                int bits = PlannedBits(l);
                var settings = new GptqQuantizer.Settings(bits, Settings.GroupSize, Settings.Symmetric, Settings.PercentDamp, Settings.BlockSize, Settings.ActOrder);
                var q = GptqQuantizer.Quantize(l.Weight.ToDense(), hessians[l].Hessian(), settings);
                _done[l] = q;
                l.Weight = q; // later chunks are captured with this layer already quantized
            }
            start = end;
        }
    }

    protected override (IWeight, int, IReadOnlyDictionary<string, string>) QuantizeLayer(Linear layer)
    {
        var w = (KBitWeight)_done[layer];
        return (w, w.Bits, new Dictionary<string, string>
        {
            ["group_size"] = Str(w.GroupSize), ["symmetric"] = Settings.Symmetric ? "true" : "false",
            ["percdamp"] = Str(Settings.PercentDamp), ["blocksize"] = Str(Settings.BlockSize), ["act_order"] = Settings.ActOrder ? "true" : "false",
        });
    }
}
