namespace MLNet.Compression.Pipeline;

/// <summary>
/// The quantization methods of a <see cref="CompressionContext"/>, as ML.NET's catalogs: each method adds a one-line extension
/// method beside its estimator (Quantization/Gptq/GptqCatalog.cs, …), so another package can add its own.
/// </summary>
public sealed class QuantizationCatalog
{
    internal QuantizationCatalog(CompressionContext context) => Context = context;

    public CompressionContext Context { get; }
}
