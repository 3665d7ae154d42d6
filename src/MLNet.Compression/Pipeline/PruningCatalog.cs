namespace MLNet.Compression.Pipeline;

/// <summary>
/// The pruning methods of a <see cref="CompressionContext"/>, as ML.NET's catalogs: each method adds a one-line extension
/// method beside its estimator (Pruning/Magnitude/MagnitudePruningCatalog.cs, …), so another package can add its own.
/// </summary>
public sealed class PruningCatalog
{
    internal PruningCatalog(CompressionContext context) => Context = context;

    public CompressionContext Context { get; }
}
