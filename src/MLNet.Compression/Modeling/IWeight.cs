using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// The weight of a linear layer in whatever form it is stored (dense, sparse, quantized).
/// The layer only asks it to multiply; compression swaps the implementation and the model code never changes.
/// </summary>
public interface IWeight
{
    /// <summary>Input features (columns of the [out, in] matrix).</summary>
    int InFeatures { get; }

    /// <summary>Output features (rows of the [out, in] matrix).</summary>
    int OutFeatures { get; }

    /// <summary>Short name of the storage form, e.g. "dense-f32", "int8-per-channel", "csr".</summary>
    string Format { get; }

    /// <summary>Bytes this weight occupies in memory and on disk.</summary>
    long StorageBytes { get; }

    /// <summary>y[rows, out] = x[rows, in] · Wᵀ (no bias).</summary>
    void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y);

    /// <summary>The exact dense equivalent [out, in] (masked or dequantized), for analysis and export.</summary>
    Tensor ToDense();
}

/// <summary>An uncompressed float32 weight in the nn.Linear layout [out, in].</summary>
public sealed class DenseWeight : IWeight
{
    public DenseWeight(Tensor weight)
    {
        if (weight.Rank != 2) throw new ArgumentException($"A linear weight must be 2-D, got {weight}.");
        Value = weight;
    }

    /// <summary>[out, in]</summary>
    public Tensor Value { get; }

    public int InFeatures => Value.Dim(1);

    public int OutFeatures => Value.Dim(0);

    public string Format => "dense-f32";

    public long StorageBytes => (long)Value.Length * sizeof(float);

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y)
        => ComputeBackend.Current.Sgemm(false, true, rows, OutFeatures, InFeatures, 1f, x, InFeatures, Value.ReadOnlySpan, InFeatures, 0f, y, OutFeatures);

    public Tensor ToDense() => Value;
}
