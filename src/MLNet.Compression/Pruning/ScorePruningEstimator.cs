using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

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
        var masks = MaskSelection.GlobalSmallest(scores, Settings.Sparsity);
        for (int i = 0; i < weights.Count; i++) Install(job, i, weights[i], masks[i]);
    }

    private static void Install(PruningJob job, int i, float[] weight, ReadOnlySpan<bool> prune)
    {
        var (layer, sparsity) = job.Targets[i];
        MaskSelection.Apply(weight, prune);
        job.Install(layer, new Tensor(weight, layer.OutFeatures, layer.InFeatures), sparsity);
    }
}
