using MLNet.Compression.Compression;
using MLNet.Compression.Compression.Pruning;

namespace MLNet.Compression.Pipeline;

public sealed partial class PruningCatalog
{
    /// <summary>Wanda: per output row, the <paramref name="sparsity"/> fraction of lowest |W|·‖X‖₂ is zeroed; needs calibration data in Fit.</summary>
    public WandaPruningEstimator Wanda(double sparsity = 0.5, ModuleGroup? groups = null)
        => Wanda(new WandaPruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All });

    /// <summary>Wanda with every option (N:M included).</summary>
    public WandaPruningEstimator Wanda(WandaPruningEstimator.Options options) => new(Context, options);

    /// <summary>SparseGPT: OBS weight updates with the inverse Hessian of the calibration inputs; needs calibration data in Fit.</summary>
    public SparseGptPruningEstimator SparseGpt(double sparsity = 0.5, ModuleGroup? groups = null, int blockSize = 128, double damping = 0.01)
        => SparseGpt(new SparseGptPruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All, BlockSize = blockSize, Damping = damping });

    /// <summary>SparseGPT with every option (N:M included).</summary>
    public SparseGptPruningEstimator SparseGpt(SparseGptPruningEstimator.Options options) => new(Context, options);

    /// <summary>OWL: Wanda at per-block sparsities set by each block's share of outlier scores (mean sparsity stays <paramref name="sparsity"/>); needs calibration data in Fit.</summary>
    public OwlPruningEstimator Owl(double sparsity = 0.5, ModuleGroup? groups = null, double lambda = 0.08, double outlierThreshold = 5)
        => Owl(new OwlPruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All, Lambda = lambda, OutlierThreshold = outlierThreshold });

    /// <summary>OWL with every option.</summary>
    public OwlPruningEstimator Owl(OwlPruningEstimator.Options options) => new(Context, options);
}
