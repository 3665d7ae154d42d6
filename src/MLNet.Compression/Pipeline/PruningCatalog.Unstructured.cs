using MLNet.Compression.Compression;
using MLNet.Compression.Compression.Pruning;

namespace MLNet.Compression.Pipeline;

public sealed partial class PruningCatalog
{
    /// <summary>
    /// Magnitude (L1) unstructured pruning: the <paramref name="sparsity"/> fraction of smallest |w| is zeroed, over the
    /// chosen layers together (global, seed study 1's global_unstructured) or per layer (local, l1_unstructured).
    /// </summary>
    /// <param name="sparsity">fraction of weights to zero</param>
    /// <param name="groups">layers to prune; default every linear layer but the LM head</param>
    /// <param name="scope">one threshold for all layers (default) or one per layer</param>
    public MagnitudePruningEstimator Magnitude(double sparsity = 0.5, ModuleGroup? groups = null, PruningScope scope = PruningScope.Global)
        => Magnitude(new MagnitudePruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All, Scope = scope });

    /// <summary>Magnitude pruning with every option.</summary>
    public MagnitudePruningEstimator Magnitude(MagnitudePruningEstimator.Options options) => new(Context, options);

    /// <summary>Random unstructured pruning: the <paramref name="sparsity"/> fraction of weights chosen at random (seeded by the context).</summary>
    public RandomPruningEstimator Random(double sparsity = 0.5, ModuleGroup? groups = null, PruningScope scope = PruningScope.Local)
        => Random(new RandomPruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All, Scope = scope });

    /// <summary>Random unstructured pruning with every option.</summary>
    public RandomPruningEstimator Random(RandomPruningEstimator.Options options) => new(Context, options);
}
