using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large Language Models", §3): a weight's importance is
/// |W_ij| · ‖X_j‖₂, its magnitude times the L2 norm of its input feature over the calibration tokens, compared within each
/// output row (the paper's per-output comparison group, Eq. 1 and §3 "comparison group"), or within each group of M inputs
/// for N:M. No weight update. Reference: locuslab/wanda lib/prune.py prune_wanda and lib/layerwrapper.py WrappedGPT.
/// </summary>
/// <remarks>
/// The input norms are gathered in one calibration pass over the unpruned model (the reference instead feeds each block
/// the outputs of the blocks already pruned); <see cref="WandaStatistics"/> is reused by OWL.
/// </remarks>
public sealed class WandaPruningEstimator : PruningEstimator
{
    /// <summary>Options of Wanda pruning.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Weights kept per group for N:M, 0 for unstructured. Default 0.</summary>
        public int N { get; set; }

        /// <summary>Group width for N:M, 0 for unstructured. Default 0.</summary>
        public int M { get; set; }
    }

    private readonly Options _options;

    public WandaPruningEstimator(CompressionContext context, Options options) : base(context, options, "wanda")
    {
        NMCheck(options.N, options.M);
        _options = options;
    }

    protected override bool NeedsCalibration => true;

    protected override IEnumerable<KeyValuePair<string, string>> Details()
        => _options.M > 0 ? [new("n", _options.N.ToString()), new("m", _options.M.ToString())] : [new("comparison_group", "output_row")];

    protected override void Prune(PruningJob job)
    {
        var norms = WandaStatistics.InputNorms(job.Model, job.Targets.Select(t => t.Layer).ToList(), job.Calibration!);
        foreach (var (layer, sparsity) in job.Targets)
        {
            var w = layer.Weight.ToDense().ReadOnlySpan.ToArray(); // [out·in], a copy
            var prune = Mask(w, layer.InFeatures, norms[layer], sparsity, _options.N, _options.M);
            MaskSelection.Apply(w, prune);
            job.Install(layer, new Tensor(w, layer.OutFeatures, layer.InFeatures), _options.M > 0 ? 1.0 - (double)_options.N / _options.M : sparsity, _options.N, _options.M);
        }
    }

    /// <summary>
    /// Wanda's mask for W [out, in] given the input norms ‖X_j‖₂ [in]: per row the int(in · sparsity) lowest |W|·‖X‖ are pruned
    /// (prune_wanda: sort_res[1][:, :int(W_metric.shape[1] * sparsity_ratio)]), or the M − N lowest of each group of M.
    /// </summary>
    internal static bool[] Mask(float[] w, int inF, float[] norms, double sparsity, int n, int m)
    {
        var score = WandaStatistics.Scores(w, inF, norms); // [out·in]
        var prune = new bool[w.Length];
        if (m > 0) MaskSelection.MarkNM(score, inF, n, m, prune);
        else MaskSelection.MarkSmallestPerRow(score, inF, (int)(inF * sparsity), prune);
        return prune;
    }

    internal static void NMCheck(int n, int m)
    {
        if (n == 0 && m == 0) return;
        if (n <= 0 || m < n || m > 255) throw new ArgumentOutOfRangeException(nameof(n), $"{n}:{m} is not a valid N:M pattern (0 < N <= M <= 255; 0:0 for unstructured).");
    }
}
