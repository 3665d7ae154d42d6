using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class WandaPruningCatalog
{
    /// <summary>Wanda: per output row, the <paramref name="sparsity"/> fraction of lowest |W|·‖X‖₂ is zeroed; needs calibration data in Fit.</summary>
    public static WandaPruningEstimator Wanda(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null)
        => catalog.Wanda(new WandaPruningEstimator.Options().With(sparsity, groups));

    /// <summary>Wanda with every option (N:M included).</summary>
    public static WandaPruningEstimator Wanda(this PruningCatalog catalog, WandaPruningEstimator.Options options) => new(catalog.Context, options);
}
