namespace MLNet.Compression.Quantization;

/// <summary>The 16-bit float storage forms.</summary>
public enum HalfKind
{
    /// <summary>IEEE binary16 (torch.float16): 5 exponent bits, 10 mantissa bits.</summary>
    Float16,
    /// <summary>bfloat16 (torch.bfloat16): float32's 8 exponent bits, 7 mantissa bits.</summary>
    BFloat16,
}
