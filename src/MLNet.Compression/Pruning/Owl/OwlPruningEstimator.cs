using System.Globalization;
using System.Text.RegularExpressions;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// OWL (Yin et al. 2023, "Outlier Weighed Layerwise Sparsity", §4): blocks with more outlier features keep more weights.
/// For each transformer block, the layerwise outlier distribution D = share of Wanda scores |W|·‖X‖ above M × their mean
/// (over all chosen layers of the block); D is min-max scaled to [0, 2λ], shifted so its mean is 1 − S, and block i is
/// pruned with Wanda at sparsity 1 − D_i. The average sparsity stays S and every block stays within S ± λ.
/// Reference: luuyin/OWL lib/prune.py prune_wanda_outlier (check_outlier_mean, Hyper_m, Lamda).
/// </summary>
/// <remarks>
/// Blocks are found from key names: the part up to and including the first numeric component
/// ("bert.encoder.layer.3", "decoder.block.0"), so encoder and decoder blocks are distinct; a layer with no number is its own block.
/// </remarks>
public sealed class OwlPruningEstimator : PruningEstimator
{
    /// <summary>Options of OWL.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>λ: how far a block's sparsity may move from the target. Default 0.08 (the paper's setting for LLaMA).</summary>
        public double Lambda { get; set; } = 0.08;

        /// <summary>M: a score is an outlier above M × the block's mean score. Default 5 (the paper's Hyper_m).</summary>
        public double OutlierThreshold { get; set; } = 5;
    }

    private readonly Options _options;

    public OwlPruningEstimator(CompressionContext context, Options options) : base(context, options, "owl")
    {
        if (options.Plan is not null) throw new ArgumentException("OWL computes its own per-block sparsities; a sparsity plan does not apply.");
        if (!(options.Lambda >= 0) || !(options.OutlierThreshold > 0)) throw new ArgumentOutOfRangeException(nameof(options), "OWL needs Lambda >= 0 and OutlierThreshold > 0.");
        _options = options;
    }

    protected override bool NeedsCalibration => true;

    protected override IEnumerable<KeyValuePair<string, string>> Details()
        => [new("lambda", _options.Lambda.ToString(CultureInfo.InvariantCulture)), new("outlier_threshold", _options.OutlierThreshold.ToString(CultureInfo.InvariantCulture))];

    protected override void Prune(PruningJob job)
    {
        var layers = job.Targets.Select(t => t.Layer).ToList();
        var norms = WandaStatistics.InputNorms(job.Model, layers, job.Calibration!);
        var weights = layers.ToDictionary(l => l, l => l.Weight.ToDense().ReadOnlySpan.ToArray()); // [out·in] copies
        var blocks = layers.GroupBy(BlockOf).ToList();
        var ratios = blocks.Select(b => OutlierRatio(b.Select(l => WandaStatistics.Scores(weights[l], l.InFeatures, norms[l])), _options.OutlierThreshold)).ToArray();
        var sparsities = BlockSparsities(ratios, Settings.Sparsity, _options.Lambda);
        for (int i = 0; i < blocks.Count; i++)
            foreach (var layer in blocks[i])
            {
                var w = weights[layer];
                MaskSelection.Apply(w, WandaPruningEstimator.Mask(w, layer.InFeatures, norms[layer], sparsities[i], 0, 0));
                job.Install(layer, new Tensor(w, layer.OutFeatures, layer.InFeatures), sparsities[i],
                    extra: [new("block", blocks[i].Key), new("outlier_ratio", ratios[i].ToString("0.######", CultureInfo.InvariantCulture))]);
            }
    }

    /// <summary>check_outlier_mean: the share of scores above <paramref name="m"/> × their mean, over all layers of a block.</summary>
    internal static double OutlierRatio(IEnumerable<float[]> scores, double m)
    {
        var all = scores.ToList();
        long count = all.Sum(s => (long)s.Length);
        double mean = all.Sum(s => s.Sum(v => (double)v)) / count;
        long outliers = all.Sum(s => s.LongCount(v => v > m * mean));
        return (double)outliers / count;
    }

    /// <summary>
    /// Per-block sparsity from outlier ratios D: D' = (D − min D) / (max D − min D) · 2λ; D' += (1 − S) − mean D'; sparsity = 1 − D'
    /// (clamped to [0, 1]). Equal ratios give every block S.
    /// </summary>
    internal static double[] BlockSparsities(IReadOnlyList<double> ratios, double target, double lambda)
    {
        double min = ratios.Min(), max = ratios.Max();
        var d = ratios.Select(r => max > min ? (r - min) / (max - min) * lambda * 2 : 0).ToArray();
        double shift = (1 - target) - d.Average();
        return d.Select(v => Math.Clamp(1 - (v + shift), 0, 1)).ToArray();
    }

    private static readonly Regex BlockPattern = new(@"^(.*?\.\d+)(\.|$)", RegexOptions.CultureInvariant);

    /// <summary>The block a layer belongs to: its name up to the first numeric component.</summary>
    internal static string BlockOf(Linear layer) => BlockPattern.Match(layer.Name) is { Success: true } m ? m.Groups[1].Value : layer.Name;
}
