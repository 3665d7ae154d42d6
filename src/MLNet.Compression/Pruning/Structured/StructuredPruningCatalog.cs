using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class StructuredPruningCatalog
{
    /// <summary>Ln structured pruning along output rows: per layer the <paramref name="sparsity"/> fraction of rows of smallest Ln norm is zeroed.</summary>
    /// <param name="normOrder">the norm's order (1, 2, ..., or infinity); default <see cref="StructuredPruningEstimator.Options.NormOrder"/></param>
    public static StructuredPruningEstimator LnStructured(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null, double? normOrder = null)
    {
        var o = new StructuredPruningEstimator.Options { ByNorm = true }.With(sparsity, groups);
        o.NormOrder = normOrder ?? o.NormOrder;
        return catalog.Structured(o);
    }

    /// <summary>Random structured pruning along output rows: per layer the <paramref name="sparsity"/> fraction of rows chosen at random is zeroed.</summary>
    public static StructuredPruningEstimator RandomStructured(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null)
        => catalog.Structured(new StructuredPruningEstimator.Options { ByNorm = false }.With(sparsity, groups));

    /// <summary>Row-structured pruning with every option.</summary>
    public static StructuredPruningEstimator Structured(this PruningCatalog catalog, StructuredPruningEstimator.Options options) => new(catalog.Context, options);
}
