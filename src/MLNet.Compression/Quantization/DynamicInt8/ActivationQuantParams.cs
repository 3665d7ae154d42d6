namespace MLNet.Compression.Quantization;

/// <summary>Activation quantization parameters chosen per call: scale (kept in double as PyTorch keeps it) and zero point.</summary>
public readonly record struct ActivationQuantParams(double Scale, int ZeroPoint, int QMax)
{
    /// <summary>The float scale the kernels use.</summary>
    public float ScaleF => (float)Scale;

    /// <summary>The reciprocal PyTorch multiplies by: float(1 / float(scale)) (quantize_val in aten/src/ATen/native/quantized/AffineQuantizer.cpp).</summary>
    public float InverseScale => 1f / (float)Scale;
}
