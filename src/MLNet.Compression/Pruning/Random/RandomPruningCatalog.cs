using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class RandomPruningCatalog
{
    /// <summary>Random unstructured pruning: the <paramref name="sparsity"/> fraction of weights chosen at random (seeded by the context).</summary>
    public static RandomPruningEstimator Random(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null, PruningScope? scope = null)
    {
        var o = new RandomPruningEstimator.Options().With(sparsity, groups);
        o.Scope = scope ?? o.Scope;
        return catalog.Random(o);
    }

    /// <summary>Random unstructured pruning with every option.</summary>
    public static RandomPruningEstimator Random(this PruningCatalog catalog, RandomPruningEstimator.Options options) => new(catalog.Context, options);
}
