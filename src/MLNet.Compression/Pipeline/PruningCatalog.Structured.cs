using MLNet.Compression.Compression;
using MLNet.Compression.Compression.Pruning;

namespace MLNet.Compression.Pipeline;

public sealed partial class PruningCatalog
{
    /// <summary>Ln structured pruning along output rows: per layer the <paramref name="sparsity"/> fraction of rows of smallest Ln norm is zeroed.</summary>
    /// <param name="sparsity">fraction of output rows to zero per layer</param>
    /// <param name="groups">layers to prune; default every linear layer but the LM head</param>
    /// <param name="normOrder">the norm's order (1, 2, ..., or infinity); default 1</param>
    public StructuredPruningEstimator LnStructured(double sparsity = 0.5, ModuleGroup? groups = null, double normOrder = 1)
        => Structured(new StructuredPruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All, NormOrder = normOrder });

    /// <summary>Random structured pruning along output rows: per layer the <paramref name="sparsity"/> fraction of rows chosen at random is zeroed.</summary>
    public StructuredPruningEstimator RandomStructured(double sparsity = 0.5, ModuleGroup? groups = null)
        => Structured(new StructuredPruningEstimator.Options { Sparsity = sparsity, Groups = groups ?? ModuleGroup.All, ByNorm = false });

    /// <summary>Row-structured pruning with every option.</summary>
    public StructuredPruningEstimator Structured(StructuredPruningEstimator.Options options) => new(Context, options);

    /// <summary>N:M semi-structured magnitude pruning: of every <paramref name="m"/> consecutive inputs, the <paramref name="n"/> largest stay.</summary>
    public NMPruningEstimator NM(int n = 2, int m = 4, ModuleGroup? groups = null)
        => NM(new NMPruningEstimator.Options { N = n, M = m, Groups = groups ?? ModuleGroup.All });

    /// <summary>N:M pruning with every option.</summary>
    public NMPruningEstimator NM(NMPruningEstimator.Options options) => new(Context, options);
}
