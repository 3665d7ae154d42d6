using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class HeadPruningCatalog
{
    /// <summary>Removes the <paramref name="fraction"/> of attention heads of smallest weight norm in each chosen attention module (smaller q/k/v/o matrices).</summary>
    /// <param name="fraction">share of heads removed per module</param>
    /// <param name="groups">the query projections whose modules lose heads; default every attention module</param>
    public static HeadPruningEstimator Heads(this PruningCatalog catalog, double? fraction = null, ModuleGroup? groups = null)
        => catalog.Heads(new HeadPruningEstimator.Options().With(fraction, groups));

    /// <summary>Head removal with every option (named heads, head size).</summary>
    public static HeadPruningEstimator Heads(this PruningCatalog catalog, HeadPruningEstimator.Options options) => new(catalog.Context, options);
}
