using System.Buffers;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>
/// A dynamically quantized linear weight, as torch.ao.nn.quantized.dynamic.Linear holds it: symmetric int8 values with one
/// scale per tensor or per output row (zero point 0). Each call quantizes its input to uint8 from the input's own min/max
/// and multiplies with the int8 kernel (<see cref="Int8Gemm"/>); the engine decides the rounding details.
/// </summary>
public sealed class Int8Weight : IPersistentWeight
{
    /// <summary>Format name of the per-tensor form.</summary>
    public const string PerTensorFormat = "int8-per-tensor";

    /// <summary>Format name of the per-channel (per output row) form.</summary>
    public const string PerChannelFormat = "int8-per-channel";

    private readonly sbyte[] _packed;    // [panels, k/4, 16, 4]
    private readonly float[] _scales;    // [1] or [out]
    private readonly int[] _columnSums;  // [panels·16]

    /// <param name="values">int8 weights [out, in], row-major</param>
    /// <param name="scales">one scale, or one per output row</param>
    public Int8Weight(ReadOnlySpan<sbyte> values, float[] scales, int outFeatures, int inFeatures, QuantizationEngine engine)
    {
        if (outFeatures <= 0 || inFeatures <= 0) throw new ArgumentException($"int8 weight shape [{outFeatures}, {inFeatures}] must be positive.");
        if (values.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"int8 weight has {values.Length} values; [{outFeatures}, {inFeatures}] needs {(long)outFeatures * inFeatures}.");
        if (scales.Length != 1 && scales.Length != outFeatures)
            throw new ArgumentException($"int8 weight needs 1 or {outFeatures} scales, got {scales.Length}.");
        foreach (float s in scales)
            if (!(s > 0f) || float.IsInfinity(s)) throw new ArgumentException($"int8 weight scale {s} is not a positive finite number.");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Engine = engine;
        _scales = (float[])scales.Clone();
        _packed = Int8Gemm.Pack(values, outFeatures, inFeatures);
        _columnSums = Int8Gemm.ColumnSums(values, outFeatures, inFeatures);
    }

    /// <summary>Quantizes a float weight [out, in] as torch.ao.quantization.quantize_dynamic(qint8) does.</summary>
    /// <param name="perChannel">per_channel_dynamic_qconfig (one scale per output row) instead of default_dynamic_qconfig</param>
    public static Int8Weight Quantize(Tensor weight, bool perChannel, QuantizationEngine engine)
    {
        if (weight.Rank != 2) throw new ArgumentException($"a linear weight must be 2-D, got {weight}.");
        int outF = weight.Dim(0), inF = weight.Dim(1);
        var w = weight.ReadOnlySpan;
        var q = new sbyte[weight.Length]; // [out, in]
        float[] scales;
        if (perChannel)
        {
            scales = new float[outF];
            for (int o = 0; o < outF; o++)
            {
                scales[o] = TorchQuantRules.SymmetricWeightScale(w.Slice(o * inF, inF));
                TorchQuantRules.QuantizeWeights(w.Slice(o * inF, inF), scales[o], q.AsSpan(o * inF, inF));
            }
        }
        else
        {
            scales = [TorchQuantRules.SymmetricWeightScale(w)];
            TorchQuantRules.QuantizeWeights(w, scales[0], q);
        }
        return new Int8Weight(q, scales, outF, inF, engine);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>Whose arithmetic the activations and the float conversion follow.</summary>
    public QuantizationEngine Engine { get; }

    public string Format => _scales.Length == 1 ? PerTensorFormat : PerChannelFormat;

    /// <summary>The weight scales: one, or one per output row.</summary>
    public IReadOnlyList<float> Scales => _scales;

    /// <summary>Packed int8 values, the float scales and the per-row sums the zero-point correction needs.</summary>
    public long StorageBytes => _packed.Length + (long)_scales.Length * sizeof(float) + (long)_columnSums.Length * sizeof(int);

    /// <summary>
    /// Bytes an [out, in] weight takes in this form before it is made: the panel-packed int8 codes (padded to whole
    /// 16-row panels and to a multiple of 4 inputs), the scales (one, or one per row), and the per-row code sums.
    /// </summary>
    public static long StorageBytesOf(int outFeatures, int inFeatures, bool perChannel)
    {
        long panelRows = (long)Int8Gemm.Panels(outFeatures) * Int8Gemm.PanelWidth;
        return panelRows * Int8Gemm.PaddedK(inFeatures) + (perChannel ? outFeatures : 1) * sizeof(float) + panelRows * sizeof(int);
    }

    /// <summary>The int8 values [out, in] in row-major order (unpacked).</summary>
    public sbyte[] Values()
    {
        int kp = Int8Gemm.PaddedK(InFeatures);
        var q = new sbyte[(long)OutFeatures * InFeatures]; // [out, in]
        for (int o = 0; o < OutFeatures; o++)
        {
            long panelBase = (long)(o / Int8Gemm.PanelWidth) * Int8Gemm.PanelWidth * kp;
            int lane = o % Int8Gemm.PanelWidth;
            for (int k = 0; k < InFeatures; k++)
                q[(long)o * InFeatures + k] = _packed[panelBase + (k >> 2) * (Int8Gemm.PanelWidth * 4) + lane * 4 + (k & 3)];
        }
        return q;
    }

    private float ScaleOf(int o) => _scales.Length == 1 ? _scales[0] : _scales[o];

    /// <summary>[out, in] = q · scale, exactly the values the layer multiplies by (float32(q)·scale, one rounding).</summary>
    public Tensor ToDense()
    {
        var q = Values();
        var d = new float[q.Length]; // [out, in]
        for (int o = 0; o < OutFeatures; o++)
        {
            float s = ScaleOf(o);
            for (int k = 0; k < InFeatures; k++) d[(long)o * InFeatures + k] = q[(long)o * InFeatures + k] * s;
        }
        return new Tensor(d, OutFeatures, InFeatures);
    }

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y) => Multiply(x, rows, null, y, Int8Kernel.Auto);

    /// <summary>
    /// y[rows, out] = x·Wᵀ + bias with the bias where the engine adds it: inside the kernel for oneDNN (pre-scaled), after
    /// the scaling for fbgemm and QNNPACK. This is the call that equals PyTorch bit for bit; a <see cref="Linear"/> adds
    /// its bias after the three-argument MultiplyTransposed, which for oneDNN can differ from PyTorch in the last bit.
    /// </summary>
    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> bias, Span<float> y, Int8Kernel kernel = Int8Kernel.Auto)
    {
        if (!bias.IsEmpty && bias.Length != OutFeatures) throw new ArgumentException($"bias has {bias.Length} entries, the weight {OutFeatures} outputs.");
        Multiply(x, rows, bias.IsEmpty ? null : bias.ToArray(), y, kernel);
    }

    private void Multiply(ReadOnlySpan<float> x, int rows, float[]? bias, Span<float> y, Int8Kernel kernel)
    {
        if (x.Length < (long)rows * InFeatures) throw new ArgumentException($"input has {x.Length} values, [{rows}, {InFeatures}] needs {(long)rows * InFeatures}.");
        if (y.Length < (long)rows * OutFeatures) throw new ArgumentException($"output has room for {y.Length} values, [{rows}, {OutFeatures}] needs {(long)rows * OutFeatures}.");
        if (rows == 0) return;
        x = x[..(rows * InFeatures)];
        // Activations: min/max of the whole input, as quantized::linear_dynamic takes them per call.
        var p = TorchQuantRules.ChooseActivationParams(TensorPrimitives.Min(x), TensorPrimitives.Max(x), 0, TorchQuantRules.ActivationQMax(Engine));
        int kp = Int8Gemm.PaddedK(InFeatures);
        byte[] a = ArrayPool<byte>.Shared.Rent(rows * kp); // [rows, kp]
        try
        {
            QuantizeActivations(x, rows, p, a.AsSpan(0, rows * kp), kp);
            var epilogue = BuildEpilogue(p, bias);
            Int8Gemm.Multiply(a.AsSpan(0, rows * kp), rows, InFeatures, _packed, OutFeatures, epilogue, y, eightBit: p.QMax > 127, kernel);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(a);
        }
        if (bias is not null && Engine != QuantizationEngine.Onednn)
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(y.Slice(r * OutFeatures, OutFeatures), bias, y.Slice(r * OutFeatures, OutFeatures));
    }

    /// <summary>The per-output multiplier (and oneDNN's pre-scaled bias), padded to whole panels.</summary>
    private Int8Epilogue BuildEpilogue(ActivationQuantParams p, float[]? bias)
    {
        int padded = Int8Gemm.Panels(OutFeatures) * Int8Gemm.PanelWidth;
        var scales = new float[padded]; // [panels·16]
        float[]? biasTerms = null;
        if (Engine == QuantizationEngine.Onednn)
        {
            // ideep keeps reciprocal scales: src 1/sx (from the double scale), weights 1/sw; output scale 1/(their product);
            // a float bias is first brought to the accumulator's scale (matmul_forward::compute_v2, pytorch 1.13 qlinear_dynamic.cpp).
            float si = (float)(1.0 / p.Scale);
            if (bias is not null) biasTerms = new float[padded];
            for (int o = 0; o < OutFeatures; o++)
            {
                float wi = (float)(1.0 / ScaleOf(o));
                float product = si * wi;
                scales[o] = 1f / product;
                if (biasTerms is not null) biasTerms[o] = bias![o] * product;
            }
        }
        else
        {
            float sx = p.ScaleF;
            for (int o = 0; o < OutFeatures; o++) scales[o] = sx * ScaleOf(o);
        }
        return new Int8Epilogue(p.ZeroPoint, _columnSums, scales, biasTerms);
    }

    /// <summary>x [rows, in] → uint8 [rows, kp] with the engine's rounding; the k padding is left at 0.</summary>
    private void QuantizeActivations(ReadOnlySpan<float> x, int rows, ActivationQuantParams p, Span<byte> a, int kp)
    {
        float inv = p.InverseScale;
        int zp = p.ZeroPoint;
        bool fma = Engine == QuantizationEngine.Fbgemm;
        for (int r = 0; r < rows; r++)
        {
            var src = x.Slice(r * InFeatures, InFeatures);
            var dst = a.Slice(r * kp, kp);
            int k = 0;
            if (Avx512F.IsSupported)
            {
                var vInv = Vector512.Create(inv);
                var vZp = Vector512.Create((float)zp);
                var lo = Vector512<float>.Zero;
                var hi = Vector512.Create(255f);
                for (; k + 16 <= InFeatures; k += 16)
                {
                    var v = Vector512.Create(src.Slice(k, 16));
                    // Both rounding orders are exact integer-valued floats before the clamp, so clamping in float is safe.
                    v = fma ? Vector512.Round(Vector512.FusedMultiplyAdd(v, vInv, vZp)) : Vector512.Round(v * vInv) + vZp;
                    var i = Vector512.ConvertToInt32(Vector512.Min(Vector512.Max(v, lo), hi));
                    Avx512F.ConvertToVector128Byte(i).CopyTo(dst.Slice(k));
                }
            }
            for (; k < InFeatures; k++) dst[k] = TorchQuantRules.QuantizeActivation(src[k], inv, zp, Engine);
            dst[InFeatures..].Clear();
        }
    }

    public IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix)
    {
        writer.Add(prefix + ".qweight", Values(), OutFeatures, InFeatures);
        writer.Add(prefix + ".scales", (float[])_scales.Clone(), _scales.Length);
        return new Dictionary<string, string> { ["engine"] = Engine.ToString().ToLowerInvariant() };
    }

    /// <summary>Reads the form <see cref="Save"/> wrote; a missing tensor, wrong shape or unknown engine names the key.</summary>
    public static IWeight Read(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata)
    {
        var q = WeightFileChecks.Require(file, prefix + ".qweight", rank: 2);
        int outF = q.Shape[0], inF = q.Shape[1];
        var s = WeightFileChecks.Require(file, prefix + ".scales", rank: 1);
        if (s.Shape[0] != 1 && s.Shape[0] != outF)
            throw new CheckpointException(file.Describe(prefix + ".scales"), prefix + ".scales", $"expected 1 or {outF} scales, found {s.Shape[0]}.");
        var values = new sbyte[q.Data.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = q.Data[i];
            if (v < -128 || v > 127 || v != MathF.Round(v))
                throw new CheckpointException(file.Describe(prefix + ".qweight"), prefix + ".qweight", $"value {v} at {i} is not an int8.");
            values[i] = (sbyte)v;
        }
        var engine = WeightFileChecks.ParseEnum<QuantizationEngine>(file, prefix, metadata, "engine");
        try { return new Int8Weight(values, s.Data, outF, inF, engine); }
        catch (ArgumentException e) { throw new CheckpointException(file.Describe(prefix + ".scales"), prefix, e.Message); }
    }
}
