using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class SparseGptPruningCatalog
{
    /// <summary>SparseGPT: OBS weight updates with the inverse Hessian of the calibration inputs; needs calibration data in Fit.</summary>
    public static SparseGptPruningEstimator SparseGpt(this PruningCatalog catalog, double? sparsity = null, ModuleGroup? groups = null, int? blockSize = null, double? damping = null)
    {
        var o = new SparseGptPruningEstimator.Options().With(sparsity, groups);
        o.BlockSize = blockSize ?? o.BlockSize;
        o.Damping = damping ?? o.Damping;
        return catalog.SparseGpt(o);
    }

    /// <summary>SparseGPT with every option (N:M included).</summary>
    public static SparseGptPruningEstimator SparseGpt(this PruningCatalog catalog, SparseGptPruningEstimator.Options options) => new(catalog.Context, options);
}
