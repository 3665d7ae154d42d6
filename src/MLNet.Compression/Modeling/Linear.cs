using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Modeling;

/// <summary>What a linear layer does in the network; compression groups and reports are built on it.</summary>
public enum LayerRole
{
    AttentionQuery,
    AttentionKey,
    AttentionValue,
    /// <summary>A fused query/key/value projection (GPT-2 c_attn, GPT-NeoX query_key_value).</summary>
    AttentionQkv,
    AttentionOutput,
    FfnUp,
    FfnGate,
    FfnDown,
    /// <summary>The LM head or the dense layer of the prediction head.</summary>
    Head,
    /// <summary>Projections outside the blocks (OPT project_in/out, ALBERT embedding mapping, poolers).</summary>
    Projection,
}

/// <summary>
/// y = x·Wᵀ + b with W held as an <see cref="IWeight"/>. Named by its Hugging Face key prefix
/// (e.g. "bert.encoder.layer.3.attention.self.query") so pruning, quantization and reports speak the checkpoint's names.
/// </summary>
public sealed class Linear : IModule
{
    public Linear(string name, LayerRole role, IWeight weight, float[]? bias)
    {
        if (bias is not null && bias.Length != weight.OutFeatures)
            throw new ArgumentException($"{name}: bias has {bias.Length} entries but the weight has {weight.OutFeatures} outputs.");
        Name = name;
        Role = role;
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The Hugging Face key prefix: the weight is "{Name}.weight".</summary>
    public string Name { get; }

    public LayerRole Role { get; }

    /// <summary>The weight; compression replaces it.</summary>
    public IWeight Weight { get; set; }

    public float[]? Bias { get; set; }

    /// <summary>True for GPT-2's Conv1D, whose checkpoint stores the weight transposed as [in, out].</summary>
    public bool StoredTransposed { get; init; }

    /// <summary>
    /// Called with every input this layer sees ([..., in]); calibration (Wanda, SparseGPT, GPTQ, OWL) sets it to collect
    /// activation statistics and clears it afterwards.
    /// </summary>
    public Action<Linear, Tensor>? InputObserver { get; set; }

    public int InFeatures => Weight.InFeatures;

    public int OutFeatures => Weight.OutFeatures;

    /// <summary>[..., in] → [..., out]</summary>
    public Tensor Forward(Tensor x)
    {
        if (x.Dim(-1) != InFeatures) throw new ArgumentException($"{Name}: input {x} does not end in {InFeatures} features.");
        InputObserver?.Invoke(this, x);
        if (Tape.Current is { } tape)
        {
            if (Weight is not DenseWeight dense)
                throw new InvalidOperationException($"{Name}: its {Weight.Format} weight cannot be trained; make it dense (with a fixed mask or a straight-through quantizer) first.");
            return tape.Out(tape.Linear(tape.Of(x), tape.Of(dense.Value), Bias is null ? null : tape.Of(Bias)));
        }
        var shape = (int[])x.Shape.Clone();
        shape[^1] = OutFeatures;
        var y = Tensor.Zeros(shape);
        Weight.MultiplyTransposed(x.ReadOnlySpan, x.Length / InFeatures, y.Span);
        if (Bias is not null) TensorOps.AddRowVector(y, Bias);
        return y;
    }

    IEnumerable<Linear> IModule.LinearLayers => [this];

    IEnumerable<NamedTensor> IModule.NamedTensors => [];

    public override string ToString() => $"{Name} [{OutFeatures}x{InFeatures}] {Role} {Weight.Format}";
}
