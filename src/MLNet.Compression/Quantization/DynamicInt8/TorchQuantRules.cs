namespace MLNet.Compression.Quantization;

/// <summary>
/// PyTorch's quantization arithmetic, bit for bit: weight observers (MinMaxObserver / PerChannelMinMaxObserver,
/// qint8, symmetric) and the activation parameters of quantized::linear_dynamic
/// (aten/src/ATen/native/quantized/cpu/quant_utils.h ChooseQuantizationParams).
/// </summary>
public static class TorchQuantRules
{
    /// <summary>Smallest scale the activation rules allow (quant_utils.h SMALL_SCALE_THRESHOLD).</summary>
    public const float SmallScaleThreshold = 6.1e-5f;

    /// <summary>torch.finfo(torch.float32).eps, the observers' floor on a scale.</summary>
    public const float Float32Eps = 1.1920929e-07f;

    /// <summary>
    /// Symmetric qint8 weight scale of a set of values: float32(max|w|) / 127.5 in float32, at least float32 eps
    /// (torch/ao/quantization/observer.py _calculate_qparams: (quant_max - quant_min) / 2 = 127.5 for [-128, 127]).
    /// </summary>
    public static float SymmetricWeightScale(ReadOnlySpan<float> w)
    {
        float maxAbs = 0f;
        foreach (float v in w)
        {
            float a = MathF.Abs(v);
            if (a > maxAbs) maxAbs = a;
        }
        return MathF.Max(maxAbs / 127.5f, Float32Eps);
    }

    /// <summary>clamp(round_half_even(w · float32(1/scale)), -128, 127): quantize_val multiplies by the float reciprocal.</summary>
    public static void QuantizeWeights(ReadOnlySpan<float> w, float scale, Span<sbyte> q)
    {
        float inv = 1f / scale;
        for (int i = 0; i < w.Length; i++) q[i] = (sbyte)Math.Clamp(MathF.Round(w[i] * inv, MidpointRounding.ToEven), -128f, 127f);
    }

    /// <summary>
    /// Activation scale and zero point for the range [min, max] on [qmin, qmax] (quant_utils.h ChooseQuantizationParams,
    /// preserve_sparsity=false): the range is widened to contain 0, the scale computed in double, the zero point taken from
    /// whichever end adds the smaller rounding error, then nudged to an integer.
    /// </summary>
    public static ActivationQuantParams ChooseActivationParams(float min, float max, int qmin, int qmax)
    {
        if (float.IsNaN(min) || float.IsNaN(max)) throw new ArgumentException("cannot quantize activations that contain NaN.");
        if (min > max) throw new ArgumentException($"activation min {min} exceeds max {max}.");
        min = MathF.Min(min, 0f);
        max = MathF.Max(max, 0f);
        double scale = ((double)max - min) / (qmax - qmin);
        if ((float)scale == 0f || float.IsInfinity(1f / (float)scale)) scale = 0.1;
        if (scale < SmallScaleThreshold)
        {
            float orgScale = (float)scale;
            scale = SmallScaleThreshold;
            if (min == 0f) max = SmallScaleThreshold * (qmax - qmin);
            else if (max == 0f) min = -SmallScaleThreshold * (qmax - qmin);
            else
            {
                float amplifier = SmallScaleThreshold / orgScale;
                min *= amplifier;
                max *= amplifier;
            }
        }
        double zeroFromMin = qmin - min / scale;
        double zeroFromMax = qmax - max / scale;
        double errorFromMin = Math.Abs(qmin) - Math.Abs(min / scale);
        double errorFromMax = Math.Abs(qmax) - Math.Abs(max / scale);
        double initial = errorFromMin < errorFromMax ? zeroFromMin : zeroFromMax;
        int zeroPoint = initial < qmin ? qmin : initial > qmax ? qmax : (int)Math.Round(initial, MidpointRounding.ToEven);
        return new ActivationQuantParams(scale, zeroPoint, qmax);
    }

    /// <summary>The activation range of an engine: 7 bits where reduce_range applies (fbgemm, onednn), 8 for qnnpack.</summary>
    public static int ActivationQMax(QuantizationEngine engine) => engine == QuantizationEngine.Qnnpack ? 255 : 127;

    /// <summary>
    /// Quantizes one activation as the engine does, to uint8: qnnpack/onednn clamp(zp + round(x · inv)),
    /// fbgemm clamp(round(fma(x, inv, zp))) (round half to even throughout, as nearbyint and cvtps2dq).
    /// </summary>
    public static byte QuantizeActivation(float x, float inverseScale, int zeroPoint, QuantizationEngine engine)
    {
        float v = engine == QuantizationEngine.Fbgemm
            ? MathF.Round(MathF.FusedMultiplyAdd(x, inverseScale, zeroPoint), MidpointRounding.ToEven)
            : zeroPoint + MathF.Round(x * inverseScale, MidpointRounding.ToEven);
        return (byte)Math.Clamp(v, 0f, 255f);
    }
}
