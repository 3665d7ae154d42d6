using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class MagnitudePruningCatalog
{
    /// <summary>
    /// Magnitude (L1) unstructured pruning: the <paramref name="sparsity"/> fraction of smallest |w| is zeroed, over the
    /// chosen layers together (global, seed study 1's global_unstructured) or per layer (local, l1_unstructured).
    /// Unset arguments take <see cref="MagnitudePruningEstimator.Options"/>' defaults.
    /// </summary>
    public static MagnitudePruningEstimator Magnitude(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null, PruningScope? scope = null)
    {
        var o = new MagnitudePruningEstimator.Options().With(sparsity, groups);
        o.Scope = scope ?? o.Scope;
        return catalog.Magnitude(o);
    }

    /// <summary>Magnitude pruning with every option.</summary>
    public static MagnitudePruningEstimator Magnitude(this PruningCatalog catalog, MagnitudePruningEstimator.Options options) => new(catalog.Context, options);
}
