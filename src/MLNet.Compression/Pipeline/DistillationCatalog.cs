namespace MLNet.Compression.Pipeline;

/// <summary>
/// The distillation methods of a <see cref="CompressionContext"/>: a smaller student trained from its teacher, and recovery
/// training of a compressed model against its dense source. Each adds its extension method beside its estimator
/// (Distillation/StudentDistillationCatalog.cs, Distillation/RecoveryCatalog.cs).
/// </summary>
public sealed class DistillationCatalog
{
    internal DistillationCatalog(CompressionContext context) => Context = context;

    public CompressionContext Context { get; }
}
