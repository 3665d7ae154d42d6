using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class OwlPruningCatalog
{
    /// <summary>OWL: Wanda at per-block sparsities set by each block's share of outlier scores (mean sparsity stays <paramref name="sparsity"/>); needs calibration data in Fit.</summary>
    public static OwlPruningEstimator Owl(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null, double? lambda = null, double? outlierThreshold = null)
    {
        var o = new OwlPruningEstimator.Options().With(sparsity, groups);
        o.Lambda = lambda ?? o.Lambda;
        o.OutlierThreshold = outlierThreshold ?? o.OutlierThreshold;
        return catalog.Owl(o);
    }

    /// <summary>OWL with every option.</summary>
    public static OwlPruningEstimator Owl(this PruningCatalog catalog, OwlPruningEstimator.Options options) => new(catalog.Context, options);
}
