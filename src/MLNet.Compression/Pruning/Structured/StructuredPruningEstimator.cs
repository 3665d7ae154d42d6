using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// Structured pruning along output rows (dim 0, as seed study 1's local methods): whole rows of W [out, in] are zeroed,
/// k = round(sparsity · out) per layer. Ln ranks rows by their p-norm (torch's ln_structured: _compute_norm over every
/// dimension but dim, keep the topk largest); random picks rows uniformly (torch's random_structured).
/// The shapes stay (neuron and head removal shrink them for real).
/// </summary>
public sealed class StructuredPruningEstimator : PruningEstimator
{
    /// <summary>Options of row-structured pruning.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Rank rows by their Ln norm (true) or pick them at random (false). Default true.</summary>
        public bool ByNorm { get; set; } = true;

        /// <summary>The norm's order: 1, 2, ... or <see cref="double.PositiveInfinity"/>. Default 2 (L2), the usual choice with torch.nn.utils.prune.ln_structured.</summary>
        public double NormOrder { get; set; } = 2;
    }

    private readonly Options _options;

    public StructuredPruningEstimator(CompressionContext context, Options options)
        : base(context, options, options.ByNorm ? "ln-structured" : "random-structured")
    {
        if (options.ByNorm && !(options.NormOrder >= 1)) throw new ArgumentOutOfRangeException(nameof(options), $"Ln structured pruning needs a norm order of 1 or more, got {options.NormOrder}.");
        _options = options;
    }

    protected override IEnumerable<KeyValuePair<string, string>> Details()
        => _options.ByNorm ? [new("dim", "0"), new("n", _options.NormOrder.ToString(System.Globalization.CultureInfo.InvariantCulture))] : [new("dim", "0")];

    protected override void Prune(PruningJob job)
    {
        foreach (var (layer, sparsity) in job.Targets)
        {
            var w = layer.Weight.ToDense().ReadOnlySpan.ToArray(); // [out·in], a copy
            int outF = layer.OutFeatures, inF = layer.InFeatures;
            var rowScore = new float[outF]; // [out]
            for (int o = 0; o < outF; o++)
                rowScore[o] = _options.ByNorm ? Norm(w.AsSpan(o * inF, inF), _options.NormOrder) : job.Random.NextSingle();
            var pruneRow = new bool[outF];
            MaskSelection.MarkSmallest(rowScore, MaskSelection.CountToPrune(sparsity, outF), pruneRow);
            for (int o = 0; o < outF; o++) if (pruneRow[o]) w.AsSpan(o * inF, inF).Clear();
            job.Install(layer, new Tensor(w, outF, inF), sparsity);
        }
    }

    /// <summary>‖row‖ₚ, accumulated in double (torch.norm(p) along the row).</summary>
    internal static float Norm(ReadOnlySpan<float> row, double p)
    {
        if (double.IsPositiveInfinity(p)) { float m = 0; foreach (float v in row) m = MathF.Max(m, MathF.Abs(v)); return m; }
        double s = 0;
        foreach (float v in row) s += Math.Pow(Math.Abs(v), p);
        return (float)Math.Pow(s, 1 / p);
    }
}
