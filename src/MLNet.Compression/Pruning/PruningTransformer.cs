using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

/// <summary>A fitted pruning stage: the pruned model and what was done, layer by layer.</summary>
public sealed class PruningTransformer : ModelTransformer
{
    public PruningTransformer(LanguageModel model, IReadOnlyList<LayerChange> changes, double overallSparsity)
        : base(model, changes) => OverallSparsity = overallSparsity;

    /// <summary>Zero weights over all pruned layers divided by their weight count.</summary>
    public double OverallSparsity { get; }
}
