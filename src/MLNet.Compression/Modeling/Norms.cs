using MLNet.Compression.Tensors.Autograd;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>LayerNorm over the last dimension; weight and bias are optional (elementwise_affine=False, bias=False).</summary>
public sealed class LayerNorm(string name, float[]? weight, float[]? bias, float eps) : IModule
{
    public string Name { get; } = name;
    public float[]? Weight { get; } = weight;
    public float[]? Bias { get; } = bias;
    public float Eps { get; } = eps;

    /// <summary>[..., dim] → [..., dim]</summary>
    public Tensor Forward(Tensor x)
    {
        if (Tape.Current is { } tape)
        {
            if (Weight is null) throw new NotSupportedException($"{Name}: training a LayerNorm without a scale (elementwise_affine = False) is not supported.");
            return tape.Out(tape.LayerNorm(tape.Of(x), tape.Of(Weight), Bias is null ? null : tape.Of(Bias), Eps));
        }
        return TensorOps.LayerNorm(x, Weight, Bias, Eps);
    }

    IEnumerable<Linear> IModule.LinearLayers => [];

    /// <summary>"{Name}.weight" then "{Name}.bias", each only when present; each a [dim] view of the array.</summary>
    IEnumerable<NamedTensor> IModule.NamedTensors
    {
        get
        {
            if (Weight is not null) yield return new(Name + ".weight", new Tensor(Weight, Weight.Length));
            if (Bias is not null) yield return new(Name + ".bias", new Tensor(Bias, Bias.Length));
        }
    }
}

/// <summary>RMSNorm (Llama's LlamaRMSNorm, T5's T5LayerNorm): no mean subtraction, no bias.</summary>
public sealed class RmsNorm(string name, float[] weight, float eps) : IModule
{
    public string Name { get; } = name;
    public float[] Weight { get; } = weight;
    public float Eps { get; } = eps;

    /// <summary>[..., dim] → [..., dim]</summary>
    public Tensor Forward(Tensor x)
        => Tape.Current is { } tape ? tape.Out(tape.RmsNorm(tape.Of(x), tape.Of(Weight), Eps)) : TensorOps.RmsNorm(x, Weight, Eps);

    IEnumerable<Linear> IModule.LinearLayers => [];

    /// <summary>"{Name}.weight" as a [dim] view of the array.</summary>
    IEnumerable<NamedTensor> IModule.NamedTensors => [new(Name + ".weight", new Tensor(Weight, Weight.Length))];
}
