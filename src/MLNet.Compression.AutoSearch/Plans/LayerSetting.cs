using System.Globalization;

namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>
/// What a plan does to one linear layer: prune to <see cref="Sparsity"/> with <see cref="Pruner"/>, then store the weight
/// with <see cref="Bits"/> bits (null: as float32; 16: float16; 8 with the dynamic-int8 quantizer: PyTorch's dynamic int8;
/// else <see cref="Quantizer"/> (rtn or gptq) with <see cref="GroupSize"/>).
/// </summary>
public sealed record LayerSetting(double Sparsity, string Pruner, int? Bits, string Quantizer, int GroupSize)
{
    /// <summary>Dense float32: nothing done.</summary>
    public static LayerSetting None { get; } = new(0, "magnitude", null, "rtn", 128);

    /// <summary>True when the layer is pruned.</summary>
    public bool Pruned => Sparsity > 0;

    /// <summary>Short text such as "4b", "s0.50", "s0.50+8b", "fp32".</summary>
    public string Label
    {
        get
        {
            string? s = Pruned ? (Pruner == "nm" ? "2:4" : "s" + Sparsity.ToString("0.00", CultureInfo.InvariantCulture)) : null;
            string? b = Bits switch { null => null, 16 => "fp16", 8 when Quantizer == "dynamic-int8" => "int8", int k => k + "b" };
            return (s, b) switch { (null, null) => "fp32", (null, _) => b!, (_, null) => s!, _ => s + "+" + b };
        }
    }
}
