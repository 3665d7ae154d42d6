namespace MLNet.Compression.Pipeline;

/// <summary>
/// The entry point of the compression API, shaped like ML.NET's MLContext: catalogs of estimators and a seed that makes
/// every random choice (random pruning, calibration sampling) repeatable.
/// <code>
/// var ctx = new CompressionContext(seed: 1);
/// var pipeline = ctx.Pruning.Magnitude(sparsity: 0.5, groups: ModuleGroup.Ffn).Append(ctx.Quantization.DynamicInt8());
/// var compressed = pipeline.Fit(model);
/// var recovered = ctx.Pruning.Magnitude(0.7).Append(ctx.Distillation.Recover(text)).Fit(model); // trained against the dense model
/// </code>
/// </summary>
public sealed class CompressionContext
{
    public CompressionContext(int? seed = null)
    {
        Seed = seed;
        Pruning = new PruningCatalog(this);
        Quantization = new QuantizationCatalog(this);
        Distillation = new DistillationCatalog(this);
    }

    /// <summary>Seed for random choices; null picks a fresh one per estimator.</summary>
    public int? Seed { get; }

    public PruningCatalog Pruning { get; }

    public QuantizationCatalog Quantization { get; }

    public DistillationCatalog Distillation { get; }

    /// <summary>A random source for one estimator: repeatable when the context has a seed.</summary>
    public Random CreateRandom() => Seed is int s ? new Random(s) : new Random();
}
