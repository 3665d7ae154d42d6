using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Compression.Pruning;

/// <summary>Where one threshold applies.</summary>
public enum PruningScope
{
    /// <summary>One ranking over all chosen layers together (torch.nn.utils.prune.global_unstructured): layers lose different fractions.</summary>
    Global,
    /// <summary>Each layer ranked on its own (torch.nn.utils.prune.l1_unstructured per module): every layer loses the same fraction.</summary>
    Local,
}

/// <summary>
/// Unstructured pruning by a score per weight: zero the k = round(sparsity · count) lowest-scoring weights, per layer
/// (local) or over the concatenation of the chosen layers in checkpoint order (global), as torch.nn.utils.prune does.
/// </summary>
public abstract class ScorePruningEstimator : PruningEstimator
{
    private readonly PruningScope _scope;

    protected ScorePruningEstimator(CompressionContext context, PruningOptions options, PruningScope scope, string method)
        : base(context, options, method)
    {
        _scope = scope;
        if (scope == PruningScope.Global && options.Plan is not null)
            throw new ArgumentException($"{method} pruning: a sparsity plan sets each layer's sparsity, which a global threshold cannot honour; use local scope with a plan.");
    }

    /// <summary>Score of each weight of one layer [out·in]; lower is pruned first.</summary>
    protected abstract float[] Scores(Linear layer, float[] weight, Random random);

    protected override IEnumerable<KeyValuePair<string, string>> Details() => [new("scope", _scope.ToString().ToLowerInvariant())];

    protected override void Prune(PruningJob job)
    {
        var weights = job.Targets.Select(t => t.Layer.Weight.ToDense().ReadOnlySpan.ToArray()).ToList(); // each [out·in], a copy
        var scores = job.Targets.Select((t, i) => Scores(t.Layer, weights[i], job.Random)).ToList();
        if (_scope == PruningScope.Local)
        {
            for (int i = 0; i < weights.Count; i++)
            {
                var prune = new bool[weights[i].Length];
                MaskSelection.MarkSmallest(scores[i], MaskSelection.CountToPrune(job.Targets[i].Sparsity, weights[i].Length), prune);
                Install(job, i, weights[i], prune);
            }
            return;
        }
        var masks = MaskSelection.GlobalSmallest(scores, BaseOptions.Sparsity);
        for (int i = 0; i < weights.Count; i++) Install(job, i, weights[i], masks[i]);
    }

    private static void Install(PruningJob job, int i, float[] weight, ReadOnlySpan<bool> prune)
    {
        var (layer, sparsity) = job.Targets[i];
        MaskSelection.Apply(weight, prune);
        job.Install(layer, new Tensor(weight, layer.OutFeatures, layer.InFeatures), sparsity);
    }
}

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

/// <summary>Random unstructured pruning (torch's RandomUnstructured: k entries chosen uniformly at random, seeded by the context).</summary>
public sealed class RandomPruningEstimator : ScorePruningEstimator
{
    /// <summary>Options of random unstructured pruning.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Local: each layer loses exactly its fraction. Global: the fraction holds over the chosen layers together. Default Local, as torch's random_unstructured.</summary>
        public PruningScope Scope { get; set; } = PruningScope.Local;
    }

    public RandomPruningEstimator(CompressionContext context, Options options) : base(context, options, options.Scope, "random") { }

    // RandomUnstructured.compute_mask draws rand_like(t) and prunes topk of it; any uniform ranking is equivalent.
    protected override float[] Scores(Linear layer, float[] weight, Random random)
    {
        var s = new float[weight.Length]; // [out·in]
        for (int i = 0; i < s.Length; i++) s[i] = random.NextSingle();
        return s;
    }
}
