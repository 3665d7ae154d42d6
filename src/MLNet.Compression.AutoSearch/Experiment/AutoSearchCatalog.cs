using MLNet.Compression.Pipeline;

namespace MLNet.Compression.AutoSearch.Experiment;

/// <summary>The search catalog of a <see cref="CompressionContext"/>: <c>ctx.Auto().CreateExperiment()</c>, as Microsoft.ML's <c>mlContext.Auto()</c>.</summary>
public sealed class AutoSearchCatalog(CompressionContext context)
{
    /// <summary>A new experiment; its seed defaults to the context's.</summary>
    public CompressionExperiment CreateExperiment()
    {
        var e = new CompressionExperiment(context.Seed);
        if (context.Seed is int s) e.SetSeed(s);
        return e;
    }
}

/// <summary>Adds <c>Auto()</c> to <see cref="CompressionContext"/>.</summary>
public static class AutoSearchContextExtensions
{
    public static AutoSearchCatalog Auto(this CompressionContext context) => new(context);
}
