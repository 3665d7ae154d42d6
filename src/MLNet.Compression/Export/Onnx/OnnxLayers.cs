using MLNet.Compression.Modeling;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Export.Onnx;

/// <summary>
/// The building blocks the family emitters share, each the ONNX form of one engine op: linear layers in every weight form,
/// LayerNorm, RMSNorm, activations, embeddings, rotary embeddings and scaled dot-product attention. Values are named
/// strings of an <see cref="OnnxGraph"/>; shapes are written beside each function as in the families' forward code.
/// Operator semantics: onnx/docs/Operators.md (opset 17) and onnxruntime/docs/ContribOperators.md (com.microsoft).
/// </summary>
internal sealed class OnnxLayers
{
    /// <summary>float.MinValue: masked scores are replaced by it, as <see cref="AttentionKernel"/> does (HF adds finfo.min).</summary>
    private const float MaskedScore = float.MinValue;

    private readonly OnnxGraph _g;
    private readonly OnnxExportOptions _options;
    private readonly Dictionary<string, int> _forms = new(StringComparer.Ordinal);
    private readonly List<string> _log;
    private readonly Dictionary<object, string> _transposed = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<KBitWeight, string[]> _nbits = new(ReferenceEqualityComparer.Instance);

    public OnnxLayers(OnnxGraph graph, OnnxExportOptions options, List<string> log)
    {
        _g = graph;
        _options = options;
        _log = log;
    }

    public OnnxGraph Graph => _g;

    /// <summary>How many linear layers went into each ONNX form ("MatMul (float32)": 12, ...), for the export log.</summary>
    public IReadOnlyDictionary<string, int> Forms => _forms;

    private void Count(string form) => _forms[form] = _forms.GetValueOrDefault(form) + 1;

    // ---------------------------------------------------------------- linear layers

    /// <summary>y = x·Wᵀ + b in the ONNX form of the layer's weight: [..., in] → [..., out].</summary>
    public string Linear(string x, Linear layer)
    {
        string y = layer.Weight switch
        {
            DenseWeight d => DenseMatMul(x, d.Value, layer.Name),
            Int8Weight q => Int8MatMul(x, q, layer.Name),
            KBitWeight k => KBitMatMul(x, k, layer),
            HalfWeight h => HalfMatMul(x, h, layer.Name),
            var other => Fallback(x, other, layer.Name),
        };
        if (layer.Bias is { } bias)
            y = _g.Node("Add", [y, _g.Float(layer.Name + ".bias", bias, [bias.Length], bias)]);
        return y; // [..., out]
    }

    /// <summary>
    /// MatMul with Wᵀ [in, out]. A weight already written as an initializer in [out, in] (a head tied to the embeddings) is
    /// transposed by a node instead of being stored twice; ORT folds that Transpose once at session start.
    /// </summary>
    private string DenseMatMul(string x, Tensor w, string name) // [..., in] → [..., out]
    {
        Count("MatMul (float32)");
        // ALBERT's shared layers meet the same weight once per application: its transpose is written once.
        if (!_transposed.TryGetValue(w.Data, out var wt))
        {
            wt = _g.Shared(w.Data) is { } stored
                ? _g.Node("Transpose", [stored], ("perm", new long[] { 1, 0 }))
                : _g.Float(name + ".weight_t", Transpose(w.ReadOnlySpan, w.Dim(0), w.Dim(1)), [w.Dim(1), w.Dim(0)]);
            _transposed[w.Data] = wt;
        }
        return _g.Node("MatMul", [x, wt]);
    }

    /// <summary>The dense equivalent (masked or dequantized) for forms ORT's CPU provider has no kernel for.</summary>
    private string Fallback(string x, IWeight weight, string name)
    {
        string why = weight is CsrWeight or NMWeight
            ? "ORT's CPU provider has no sparse MatMul kernel, so it is written dense with its zeros"
            : "no ONNX form for it, so it is written as its dense float32 equivalent";
        Count($"MatMul (float32, from {weight.Format})");
        if (!_transposed.TryGetValue(weight, out var wt))
        {
            _log.Add($"{name}: {weight.Format}: {why}.");
            var d = weight.ToDense(); // [out, in]
            _transposed[weight] = wt = _g.Float(name + ".weight_t", Transpose(d.ReadOnlySpan, d.Dim(0), d.Dim(1)), [d.Dim(1), d.Dim(0)]);
        }
        return _g.Node("MatMul", [x, wt]);
    }

    /// <summary>
    /// Dynamic int8 as quantized::linear_dynamic computes it: the activation is quantized per call to uint8 from its own
    /// min/max, the product is accumulated in int32 with the activation zero point subtracted (MatMulInteger), and the
    /// accumulator is scaled to float. <see cref="Int8Activations.Exact"/> reproduces the engine's arithmetic step by step
    /// (<see cref="ExactActivationQuantization"/>); <see cref="Int8Activations.Fast"/> uses DynamicQuantizeLinear (full
    /// 8-bit range, ORT's own rounding), which ORT fuses with the MatMulInteger into one node.
    /// </summary>
    private string Int8MatMul(string x, Int8Weight w, string name) // [..., in] → [..., out]
    {
        bool fast = _options.Int8Activations == Int8Activations.Fast;
        Count(fast ? "MatMulInteger (int8 weights, DynamicQuantizeLinear activations)" : "MatMulInteger (int8 weights, activations quantized as the engine does)");
        int inF = w.InFeatures, outF = w.OutFeatures;
        string wq = _g.Shared(w) ?? _g.Raw(name + ".weight_int8_t", OnnxType.Int8, TransposedCodes(w), [inF, outF], w);
        var scales = w.Scales.ToArray();
        long[] scaleDims = scales.Length == 1 ? [] : [scales.Length];
        if (fast)
        {
            var outs = _g.Node("DynamicQuantizeLinear", [x], [_g.Fresh("xq"), _g.Fresh("x_scale"), _g.Fresh("x_zero")]);
            string ws = _g.Shared(w.Scales) ?? _g.Float(name + ".weight_scale", scales, scaleDims, w.Scales);
            string acc = _g.Node("MatMulInteger", [outs[0], wq, outs[2]]); // int32 [..., out]
            return _g.Node("Mul", [_g.Node("Cast", [acc], ("to", (long)OnnxType.Float)), _g.Node("Mul", [outs[1], ws])]);
        }
        var (xq, xs, xsDouble, xzp) = ExactActivationQuantization(x, w.Engine);
        string accF = _g.Node("Cast", [_g.Node("MatMulInteger", [xq, wq, xzp])], ("to", (long)OnnxType.Float)); // [..., out]
        string multiplier;
        if (w.Engine == QuantizationEngine.Onednn)
        {
            // ideep keeps reciprocal scales: src 1/sx from the double scale, weights 1/sw; y = acc · 1/(their product).
            var wInv = scales.Select(sw => (float)(1.0 / sw)).ToArray();
            string si = _g.Node("Cast", [_g.Node("Reciprocal", [xsDouble])], ("to", (long)OnnxType.Float));
            multiplier = _g.Node("Reciprocal", [_g.Node("Mul", [si, _g.Float(name + ".weight_scale_inv", wInv, scaleDims)])]);
        }
        else
        {
            // fbgemm (ReQuantizeForFloat) and QNNPACK: y = float(acc)·(sx·sw).
            string ws = _g.Shared(w.Scales) ?? _g.Float(name + ".weight_scale", scales, scaleDims, w.Scales);
            multiplier = _g.Node("Mul", [xs, ws]);
        }
        return _g.Node("Mul", [accF, multiplier]);
    }

    /// <summary>
    /// The activation quantization of <see cref="Int8Weight"/> (TorchQuantRules, from quant_utils.h ChooseQuantizationParams
    /// and the engines' quantize loops) as ONNX ops, so that ORT picks the very codes the engine picks: min/max of the whole
    /// input widened to 0; scale = (max − min)/qmax computed in double (0.1 when it is 0; SMALL_SCALE_THRESHOLD with min and
    /// max stretched when below it); zero point from whichever end has the smaller error, rounded half to even, in double;
    /// codes round(x·(1/sx)) + zp (QNNPACK, oneDNN) or round(fma(x, 1/sx, zp)) (fbgemm; the fused multiply-add is computed
    /// in double, exact, then rounded once to float as the FMA rounds). Returns the uint8 codes, the float scale, the double
    /// scale and the uint8 zero point.
    /// </summary>
    private (string Codes, string Scale, string ScaleDouble, string ZeroPoint) ExactActivationQuantization(string x, QuantizationEngine engine)
    {
        const long F = (long)OnnxType.Float, D = (long)OnnxType.Double;
        int qmax = TorchQuantRules.ActivationQMax(engine);
        float thr = TorchQuantRules.SmallScaleThreshold;
        string Dbl(string v) => _g.Node("Cast", [v], ("to", D));
        string DoubleConst(double v) => _g.DoubleScalar(v);
        string zero = _g.FloatScalar(0f);

        string mn = _g.Node("Min", [_g.Node("ReduceMin", [x], ("keepdims", 0L)), zero]); // float []
        string mx = _g.Node("Max", [_g.Node("ReduceMax", [x], ("keepdims", 0L)), zero]);
        string scale = _g.Node("Div", [_g.Node("Sub", [Dbl(mx), Dbl(mn)]), DoubleConst(qmax)]); // double []
        // (float)scale == 0 or 1/(float)scale infinite → 0.1.
        string sf = _g.Node("Cast", [scale], ("to", F));
        string degenerate = _g.Node("Or", [_g.Node("Equal", [sf, zero]), _g.Node("IsInf", [_g.Node("Reciprocal", [sf])])]);
        scale = _g.Node("Where", [degenerate, DoubleConst(0.1), scale]);
        // Below SMALL_SCALE_THRESHOLD: scale = threshold; min = 0 → max = thr·qmax; max = 0 → min = −thr·qmax; else both × thr/(float)scale.
        string small = _g.Node("Less", [scale, DoubleConst(thr)]);
        string amp = _g.Node("Div", [_g.FloatScalar(thr), _g.Node("Cast", [scale], ("to", F))]);
        string minIsZero = _g.Node("Equal", [mn, zero]), maxIsZero = _g.Node("Equal", [mx, zero]);
        string span = _g.FloatScalar(thr * qmax);
        string minSmall = _g.Node("Where", [minIsZero, mn, _g.Node("Where", [maxIsZero, _g.Node("Neg", [span]), _g.Node("Mul", [mn, amp])])]);
        string maxSmall = _g.Node("Where", [minIsZero, span, _g.Node("Where", [maxIsZero, mx, _g.Node("Mul", [mx, amp])])]);
        mn = _g.Node("Where", [small, minSmall, mn]);
        mx = _g.Node("Where", [small, maxSmall, mx]);
        scale = _g.Node("Where", [small, DoubleConst(thr), scale]);
        // Zero point (qmin = 0): from min, −min/scale with error −|min/scale|; from max, qmax − max/scale with error qmax − |max/scale|.
        string minOverScale = _g.Node("Div", [Dbl(mn), scale]), maxOverScale = _g.Node("Div", [Dbl(mx), scale]);
        string fromMin = _g.Node("Neg", [minOverScale]);
        string fromMax = _g.Node("Sub", [DoubleConst(qmax), maxOverScale]);
        string errMin = _g.Node("Neg", [_g.Node("Abs", [minOverScale])]);
        string errMax = _g.Node("Sub", [DoubleConst(qmax), _g.Node("Abs", [maxOverScale])]);
        string initial = _g.Node("Where", [_g.Node("Less", [errMin, errMax]), fromMin, fromMax]);
        string zp = _g.Node("Clip", [_g.Node("Round", [initial]), DoubleConst(0), DoubleConst(qmax)]); // double, integral

        string xs = _g.Node("Cast", [scale], ("to", F));   // the float scale the kernels use
        string inv = _g.Node("Reciprocal", [xs]);            // float(1/float(scale)), as quantize_val
        string codes = engine == QuantizationEngine.Fbgemm
            ? _g.Node("Round", [_g.Node("Cast", [_g.Node("Add", [_g.Node("Mul", [Dbl(x), Dbl(inv)]), zp])], ("to", F))])
            : _g.Node("Add", [_g.Node("Round", [_g.Node("Mul", [x, inv])]), _g.Node("Cast", [zp], ("to", F))]);
        codes = _g.Node("Cast", [_g.Node("Clip", [codes, zero, _g.FloatScalar(255f)])], ("to", (long)OnnxType.UInt8));
        return (codes, xs, scale, _g.Node("Cast", [zp], ("to", (long)OnnxType.UInt8)));
    }

    private static byte[] TransposedCodes(Int8Weight w) // [out, in] → [in, out]
    {
        int inF = w.InFeatures, outF = w.OutFeatures;
        var q = w.Values();
        var t = new byte[q.Length];
        for (int o = 0; o < outF; o++)
            for (int k = 0; k < inF; k++) t[(long)k * outF + o] = unchecked((byte)q[(long)o * inF + k]);
        return t;
    }

    /// <summary>
    /// k-bit group-wise weights as com.microsoft MatMulNBits (onnxruntime ContribOperators.md): B uint8 [N, blocks, blob]
    /// with codes packed low bits first along K, scales [N·blocks] in A's type, zero points uint8 packed the same way
    /// [N·⌈blocks·bits/8⌉] (absent: 2^(bits−1), our symmetric grids' middle); dequantized as (q − zp)·scale. Requires
    /// block_size a power of two ≥ 16 and bits the CPU kernel has; otherwise the dequantized float weight is written.
    /// </summary>
    private string KBitMatMul(string x, KBitWeight w, Linear layer) // [..., in] → [..., out]
    {
        int bits = w.Bits, bs = w.GroupSize, inF = w.InFeatures, outF = w.OutFeatures;
        bool zerosFit = true;
        for (int o = 0; o < outF && zerosFit; o++)
            for (int g = 0; g < w.Groups; g++)
                if (w.Zero(o, g) >= 1 << bits) { zerosFit = false; break; }
        string? why = !_options.MatMulNBitsBits.Contains(bits) ? $"{bits}-bit codes (MatMulNBits here takes {string.Join(", ", _options.MatMulNBitsBits)})"
            : bs < 16 || (bs & (bs - 1)) != 0 ? $"group size {bs} (MatMulNBits needs a power of two ≥ 16)"
            : !zerosFit ? $"a zero point of {1 << bits} (does not fit {bits} bits)"
            : null;
        if (why is not null)
        {
            Count("MatMul (float32, dequantized k-bit)");
            if (!_transposed.TryGetValue(w, out var wt))
            {
                _log.Add($"{layer.Name}: kbit-group {bits}-bit g{bs}: {why}; written as its dequantized float32 weight.");
                var d = w.ToDense(); // [out, in]
                _transposed[w] = wt = _g.Float(layer.Name + ".weight_t", Transpose(d.ReadOnlySpan, outF, inF), [inF, outF]);
            }
            return _g.Node("MatMul", [x, wt]);
        }
        Count($"MatMulNBits ({bits}-bit, block {bs})");
        if (!_nbits.TryGetValue(w, out var weightInputs)) _nbits[w] = weightInputs = NBitsInputs(w, layer.Name);
        return _g.MicrosoftNode("MatMulNBits", [x, .. weightInputs], ("K", (long)inF), ("N", (long)outF), ("bits", (long)bits), ("block_size", (long)bs));
    }

    /// <summary>B, scales and (unless every zero point is the default middle) the packed zero points of MatMulNBits.</summary>
    private string[] NBitsInputs(KBitWeight w, string name)
    {
        int bits = w.Bits, bs = w.GroupSize, inF = w.InFeatures, outF = w.OutFeatures;
        int blocks = (inF + bs - 1) / bs, blob = bs * bits / 8;
        var packed = new byte[(long)outF * blocks * blob]; // [N, blocks, blob]
        var scales = new float[outF * blocks];             // [N·blocks]
        int zpRow = (blocks * bits + 7) / 8;
        var zeros = new byte[outF * zpRow];                // [N·⌈blocks·bits/8⌉]
        bool symmetric = true;
        for (int o = 0; o < outF; o++)
        {
            long rowBase = (long)o * blocks * blob;
            for (int k = 0; k < blocks * bs; k++)
            {
                int g = k / bs;
                // Padding columns beyond K take the zero point, so they dequantize to 0.
                int code = k < inF ? w.Code(o, k) : (int)w.Zero(o, g);
                long bit = (long)k * bits;
                packed[rowBase + bit / 8] |= (byte)(code << (int)(bit % 8));
            }
            for (int g = 0; g < blocks; g++)
            {
                scales[o * blocks + g] = w.Scale(o, g);
                int z = (int)w.Zero(o, g);
                if (z != 1 << (bits - 1)) symmetric = false;
                int zb = g * bits;
                zeros[o * zpRow + zb / 8] |= (byte)(z << (zb % 8));
            }
        }
        string b = _g.Raw(name + ".weight_nbits", OnnxType.UInt8, packed, [outF, blocks, blob]);
        string s = _g.Float(name + ".weight_scales", scales, [scales.Length]);
        return symmetric ? [b, s] : [b, s, _g.Raw(name + ".weight_zero_points", OnnxType.UInt8, zeros, [zeros.Length])];
    }

    /// <summary>fp16/bf16 weights stay 16-bit in the file and are widened by a Cast (exact) before a float32 MatMul.</summary>
    private string HalfMatMul(string x, HalfWeight w, string name) // [..., in] → [..., out]
    {
        bool f16 = w.Kind == HalfKind.Float16;
        Count(f16 ? "Cast(float16) + MatMul" : "Cast(bfloat16) + MatMul");
        var d = w.ToDense(); // [out, in], every value exactly a 16-bit float
        int inF = w.InFeatures, outF = w.OutFeatures;
        var raw = new byte[(long)inF * outF * 2]; // [in, out] 16-bit patterns
        var src = d.ReadOnlySpan;
        for (int o = 0; o < outF; o++)
            for (int k = 0; k < inF; k++)
            {
                ushort bitsOf = f16 ? BitConverter.HalfToUInt16Bits((Half)src[o * inF + k]) : HalfWeight.ToBFloat16(src[o * inF + k]);
                long i = ((long)k * outF + o) * 2;
                raw[i] = (byte)bitsOf;
                raw[i + 1] = (byte)(bitsOf >> 8);
            }
        string wt = _g.Raw(name + ".weight_t", f16 ? OnnxType.Float16 : OnnxType.BFloat16, raw, [inF, outF], w);
        return _g.Node("MatMul", [x, _g.Node("Cast", [wt], ("to", (long)OnnxType.Float))]);
    }

    private static float[] Transpose(ReadOnlySpan<float> w, int rows, int cols) // [rows, cols] → [cols, rows]
    {
        var t = new float[(long)rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[(long)c * rows + r] = w[r * cols + c];
        return t;
    }

    // ---------------------------------------------------------------- norms, activations, embeddings

    /// <summary>LayerNormalization (opset 17) over the last axis; a norm without weight or bias gets ones or zeros: [..., n].</summary>
    public string LayerNorm(string x, string name, float[]? weight, float[]? bias, float eps, int width)
    {
        string w = weight is null ? _g.Float(name + ".ones", Enumerable.Repeat(1f, width).ToArray(), [width]) : _g.Float(name + ".weight", weight, [width], weight);
        string b = bias is null ? _g.Float(name + ".zeros", new float[width], [width]) : _g.Float(name + ".bias", bias, [width], bias);
        return _g.Node("LayerNormalization", [x, w, b], ("axis", -1L), ("epsilon", eps));
    }

    public string LayerNorm(string x, LayerNorm norm, int width) => LayerNorm(x, norm.Name, norm.Weight, norm.Bias, norm.Eps, width);

    /// <summary>RMSNorm (LlamaRMSNorm): x · 1/√(mean(x²) + eps) · w over the last axis: [..., n].</summary>
    public string RmsNorm(string x, string name, float[] weight, float eps)
    {
        string ms = _g.Node("ReduceMean", [_g.Node("Mul", [x, x])], ("axes", new long[] { -1 }), ("keepdims", 1L));
        string inv = _g.Node("Reciprocal", [_g.Node("Sqrt", [_g.Node("Add", [ms, _g.FloatScalar(eps)])])]);
        return _g.Node("Mul", [_g.Node("Mul", [x, inv]), _g.Float(name + ".weight", weight, [weight.Length], weight)]);
    }

    /// <summary>The engine's activations (Tensors/Activations.cs) from standard ops: x's shape.</summary>
    public string Activation(string x, Activation act)
    {
        switch (act)
        {
            case Tensors.Activation.Linear: return x;
            case Tensors.Activation.Relu: return _g.Node("Relu", [x]);
            case Tensors.Activation.Tanh: return _g.Node("Tanh", [x]);
            case Tensors.Activation.Silu: return _g.Node("Mul", [x, _g.Node("Sigmoid", [x])]);
            case Tensors.Activation.QuickGelu:
                return _g.Node("Mul", [x, _g.Node("Sigmoid", [_g.Node("Mul", [x, _g.FloatScalar(1.702f)])])]);
            case Tensors.Activation.Gelu:
            {
                // 0.5·x·(1 + erf(x/√2)), exact GELU (Hendrycks and Gimpel 2016).
                string erf = _g.Node("Erf", [_g.Node("Div", [x, _g.FloatScalar(MathF.Sqrt(2f))])]);
                return _g.Node("Mul", [_g.Node("Mul", [x, _g.FloatScalar(0.5f)]), _g.Node("Add", [erf, _g.FloatScalar(1f)])]);
            }
            case Tensors.Activation.GeluTanh:
            {
                // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), HF's NewGELUActivation.
                string cube = _g.Node("Mul", [_g.Node("Mul", [x, x]), x]);
                string inner = _g.Node("Add", [x, _g.Node("Mul", [cube, _g.FloatScalar(0.044715f)])]);
                string t = _g.Node("Tanh", [_g.Node("Mul", [inner, _g.FloatScalar(MathF.Sqrt(2f / MathF.PI))])]);
                return _g.Node("Mul", [_g.Node("Mul", [x, _g.FloatScalar(0.5f)]), _g.Node("Add", [t, _g.FloatScalar(1f)])]);
            }
            default: throw new NotSupportedException($"activation {act} has no ONNX form here.");
        }
    }

    /// <summary>table[ids]: Gather of a [rows, width] table by int64 ids [...] → [..., width].</summary>
    public string Embedding(string ids, string key, Tensor table)
        => _g.Node("Gather", [_g.Float(key, table.ReadOnlySpan, [table.Dim(0), table.Dim(1)], table.Data), ids], ("axis", 0L));

    /// <summary>Dimension <paramref name="axis"/> of <paramref name="x"/> as an int64 scalar.</summary>
    public string Dim(string x, int axis) => _g.Node("Gather", [_g.Node("Shape", [x]), _g.Int64Scalar(axis)], ("axis", 0L));

    // ---------------------------------------------------------------- attention

    /// <summary>[b, s, heads·d] → [b, s, heads, d]</summary>
    public string SplitHeads(string x, int heads, int headDim) => _g.Node("Reshape", [x, _g.Int64s(0, 0, heads, headDim)]);

    /// <summary>
    /// Rotary position embedding on the first <paramref name="rotaryDim"/> channels of each head, rotate-half form as
    /// Tensors/Rotary.cs (HF's apply_rotary_pos_emb): x [b, s, heads, d], cos and sin [b, s, 1, rotaryDim/2].
    /// </summary>
    public string Rotate(string x, string cos, string sin, int rotaryDim, int headDim)
    {
        int half = rotaryDim / 2;
        string x1 = Slice(x, 0, half, -1), x2 = Slice(x, half, rotaryDim, -1);
        string a = _g.Node("Sub", [_g.Node("Mul", [x1, cos]), _g.Node("Mul", [x2, sin])]);
        string b = _g.Node("Add", [_g.Node("Mul", [x2, cos]), _g.Node("Mul", [x1, sin])]);
        var parts = rotaryDim < headDim ? new[] { a, b, Slice(x, rotaryDim, headDim, -1) } : [a, b];
        return _g.Node("Concat", parts, ("axis", -1L)); // [b, s, heads, d]
    }

    /// <summary>
    /// cos and sin [b, s, 1, rotaryDim/2] of positions [b, s] (int64): angle = float(position)/positionScale · inv_freq,
    /// inv_freq = 1/θ^(2i/rotaryDim) rounded to float32 as HF builds it (Tensors/Rotary.cs).
    /// </summary>
    public (string Cos, string Sin) RotaryTables(string positionIds, int rotaryDim, double theta, double positionScale)
    {
        var inv = new float[rotaryDim / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = (float)(1.0 / Math.Pow(theta, (float)(2 * i) / rotaryDim));
        string p = _g.Node("Cast", [positionIds], ("to", (long)OnnxType.Float));
        if (positionScale != 1.0) p = _g.Node("Div", [p, _g.FloatScalar((float)positionScale)]);
        p = _g.Node("Unsqueeze", [p, _g.Int64s(-1, -2)]);                               // [b, s, 1, 1]
        string angle = _g.Node("Mul", [p, _g.Float("rotary.inv_freq", inv, [inv.Length])]); // [b, s, 1, rotaryDim/2]
        return (_g.Node("Cos", [angle]), _g.Node("Sin", [angle]));
    }

    /// <summary>x[..., start:end] along <paramref name="axis"/>.</summary>
    public string Slice(string x, long start, long end, long axis)
        => _g.Node("Slice", [x, _g.Int64s(start), _g.Int64s(end), _g.Int64s(axis)]);

    /// <summary>
    /// softmax(scale·q·kᵀ, masked)·v with q [b, s, heads, d] and k, v [b, t, kvHeads, d] (the new tokens); with a past
    /// [b, kvHeads, past, d] the new keys and values are appended and returned as present [b, kvHeads, past + t, d].
    /// Masked scores are replaced by float.MinValue (Where), as the engine does, so a fully masked row is uniform.
    /// <paramref name="allowed"/> is bool [b, 1, s or 1, past + t]. Returns the context [b, s, heads·d].
    /// </summary>
    public (string Context, string PresentKey, string PresentValue) Attention(string q, string k, string v, int heads, int kvHeads,
        int headDim, float scale, string allowed, string? pastKey = null, string? pastValue = null)
    {
        long[] toHeads = [0, 2, 1, 3];
        q = _g.Node("Transpose", [q], ("perm", toHeads)); // [b, heads, s, d]
        k = _g.Node("Transpose", [k], ("perm", toHeads)); // [b, kvHeads, t, d]
        v = _g.Node("Transpose", [v], ("perm", toHeads)); // [b, kvHeads, t, d]
        if (pastKey is not null) k = _g.Node("Concat", [pastKey, k], ("axis", 2L)); // [b, kvHeads, past + t, d]
        if (pastValue is not null) v = _g.Node("Concat", [pastValue, v], ("axis", 2L));
        string presentK = k, presentV = v;
        if (kvHeads != heads)
        {
            // Grouped-query attention: query head h reads key/value head h / (heads / kvHeads) (LlamaAttention's repeat_kv).
            int group = heads / kvHeads;
            k = RepeatKv(k, group, heads, headDim);
            v = RepeatKv(v, group, heads, headDim);
        }
        string scores = _g.Node("MatMul", [q, _g.Node("Transpose", [k], ("perm", new long[] { 0, 1, 3, 2 }))]); // [b, heads, s, T]
        if (scale != 1f) scores = _g.Node("Mul", [scores, _g.FloatScalar(scale)]);
        scores = _g.Node("Where", [allowed, scores, _g.FloatScalar(MaskedScore)]);
        string probs = _g.Node("Softmax", [scores], ("axis", -1L));
        string ctx = _g.Node("MatMul", [probs, v]);                           // [b, heads, s, d]
        ctx = _g.Node("Transpose", [ctx], ("perm", toHeads));                 // [b, s, heads, d]
        return (_g.Node("Reshape", [ctx, _g.Int64s(0, 0, (long)heads * headDim)]), presentK, presentV); // [b, s, heads·d]
    }

    /// <summary>[b, kvHeads, T, d] → [b, kvHeads·group, T, d], each key/value head repeated group times in place.</summary>
    private string RepeatKv(string x, int group, int heads, int headDim)
    {
        string e = _g.Node("Unsqueeze", [x, _g.Int64s(2)]);                       // [b, kvHeads, 1, T, d]
        e = _g.Node("Expand", [e, _g.Int64s(1, 1, group, 1, 1)]);                 // [b, kvHeads, group, T, d]
        return _g.Node("Reshape", [e, _g.Int64s(0, heads, -1, headDim)]);         // [b, heads, T, d]
    }
}
