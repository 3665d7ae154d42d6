using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Persistence;

/// <summary>One linear layer of a compressed model: its storage form and what each stage did to it.</summary>
public sealed record CompressedLayer
{
    /// <summary>Hugging Face key prefix of the layer, e.g. "bert.encoder.layer.0.attention.self.query".</summary>
    public required string Name { get; init; }
    /// <summary><see cref="Modeling.LayerRole"/> name.</summary>
    public required string Role { get; init; }
    public required int OutFeatures { get; init; }
    public required int InFeatures { get; init; }
    /// <summary><see cref="Modeling.IWeight.Format"/> of the stored weight.</summary>
    public required string Format { get; init; }
    /// <summary>Bytes of the weight in its storage form.</summary>
    public required long Bytes { get; init; }
    /// <summary>Fraction of zeros in the weight's dense equivalent.</summary>
    public required double Sparsity { get; init; }
    /// <summary>The checkpoint stores this layer's dense weight as [in, out] (GPT-2 Conv1D); compressed forms are always [out, in].</summary>
    public bool Transposed { get; init; }
    /// <summary>Prefix of the layer's tensors in model.safetensors ("{Name}.weight"); null when the weight is stored with another layer or tensor (tied).</summary>
    public string? Tensors { get; init; }
    /// <summary>The layer whose weight object this one shares, for compressed weights saved once.</summary>
    public string? TiedTo { get; init; }
    /// <summary>What <see cref="Modeling.IPersistentWeight.Save"/> returned; empty for dense weights.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
    /// <summary>Every stage that touched the layer, oldest first (stages of earlier compressed sources included).</summary>
    public IReadOnlyList<LayerChange> Stages { get; init; } = [];
}
