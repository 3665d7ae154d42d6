using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

/// <summary>
/// Magnitude (L1) unstructured pruning: the weights of smallest |w| go first. Global scope is seed study 1's
/// prune.global_unstructured(..., pruning_method=prune.L1Unstructured, amount=s) over a module group.
/// </summary>
public sealed class MagnitudePruningEstimator : ScorePruningEstimator
{
    /// <summary>Options of magnitude pruning.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>One threshold over all chosen layers (Global) or one per layer (Local). Default Global, as the study.</summary>
        public PruningScope Scope { get; set; } = PruningScope.Global;
    }

    public MagnitudePruningEstimator(CompressionContext context, Options options) : base(context, options, options.Scope, "magnitude") { }

    // L1Unstructured.compute_mask: topk(torch.abs(t).view(-1), k, largest=False).
    protected override float[] Scores(Linear layer, float[] weight, Random random)
    {
        var s = new float[weight.Length]; // [out·in]
        for (int i = 0; i < s.Length; i++) s[i] = MathF.Abs(weight[i]);
        return s;
    }
}
