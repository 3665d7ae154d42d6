using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class NMPruningCatalog
{
    /// <summary>N:M semi-structured magnitude pruning: of every <paramref name="m"/> consecutive inputs, the <paramref name="n"/> largest stay.</summary>
    public static NMPruningEstimator NM(this PruningCatalog catalog, int? n = null, int? m = null, ModuleGroup? groups = null)
    {
        var o = new NMPruningEstimator.Options().With(null, groups);
        o.N = n ?? o.N;
        o.M = m ?? o.M;
        return catalog.NM(o);
    }

    /// <summary>N:M pruning with every option.</summary>
    public static NMPruningEstimator NM(this PruningCatalog catalog, NMPruningEstimator.Options options) => new(catalog.Context, options);
}
