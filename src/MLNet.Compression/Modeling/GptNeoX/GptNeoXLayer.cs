using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.GptNeoX;

/// <summary>
/// GPTNeoXLayer (v4.36 modeling_gpt_neox.py): LayerNorm → fused query_key_value → partial rotary → causal attention → dense,
/// and LayerNorm → dense_h_to_4h → act → dense_4h_to_h, joined by the parallel or the sequential residual.
/// </summary>
internal sealed class GptNeoXLayer : CompositeModule, IDecoderLayer
{
    private readonly GptNeoXConfig _cfg;

    private readonly int _layerIdx;

    public GptNeoXLayer(GptNeoXConfig cfg, WeightLoader w, string p, int layerIdx)
    {
        _layerIdx = layerIdx;
        _cfg = cfg;
        int h = cfg.HiddenSize;
        InputNorm = w.LayerNorm($"{p}.input_layernorm", h, cfg.LayerNormEps);
        PostAttentionNorm = w.LayerNorm($"{p}.post_attention_layernorm", h, cfg.LayerNormEps);
        QueryKeyValue = w.Linear($"{p}.attention.query_key_value", LayerRole.AttentionQkv, h, 3 * h, cfg.AttentionBias);
        Dense = w.Linear($"{p}.attention.dense", LayerRole.AttentionOutput, h, h, cfg.AttentionBias);
        Up = w.Linear($"{p}.mlp.dense_h_to_4h", LayerRole.FfnUp, h, cfg.IntermediateSize);
        Down = w.Linear($"{p}.mlp.dense_4h_to_h", LayerRole.FfnDown, cfg.IntermediateSize, h);
    }

    public LayerNorm InputNorm { get; }
    public LayerNorm PostAttentionNorm { get; }
    /// <summary>Output laid out per head as [heads, 3, headDim] (q, k, v of head 0, then of head 1, ...), not [3, heads, headDim].</summary>
    public Linear QueryKeyValue { get; }
    public Linear Dense { get; }
    public Linear Up { get; }
    public Linear Down { get; }

    /// <summary>In checkpoint order, for registration.</summary>
    public override IReadOnlyList<IModule> Modules => [InputNorm, PostAttentionNorm, QueryKeyValue, Dense, Up, Down];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]; the step carries the [batch, seq] positions and the rotary.</summary>
    public Tensor Forward(Tensor x, DecoderStep step)
    {
        var attn = Attention(InputNorm.Forward(x), step); // [batch, seq, hidden]
        if (_cfg.UseParallelResidual)
        {
            // mlp_output + attn_output + hidden_states, summed in that order.
            var y = Mlp(PostAttentionNorm.Forward(x));
            y = TensorOps.Add(y, attn);
            y = TensorOps.Add(y, x);
            return y;
        }
        attn = TensorOps.Add(attn, x);
        var z = Mlp(PostAttentionNorm.Forward(attn));
        z = TensorOps.Add(z, attn);
        return z;
    }

    /// <summary>GPTNeoXAttention: [batch, seq, hidden] → [batch, seq, hidden].</summary>
    private Tensor Attention(Tensor x, DecoderStep step)
    {
        int[] positions = step.PositionIds!;
        var rotary = step.Rotary!;
        int batch = x.Dim(0), seq = x.Dim(1), heads = _cfg.Heads, d = _cfg.HeadDim, h = _cfg.HiddenSize;
        var qkv = QueryKeyValue.Forward(x); // [batch, seq, heads·3·headDim]
        // qkv.view(batch, seq, heads, 3·headDim): q = [..., :d], k = [..., d:2d], v = [..., 2d:].
        var perHead = qkv.Reshape(batch, seq, heads, 3 * d);
        var q = TensorOps.SliceLast(perHead, 0, d).Reshape(batch, seq, h);     // [batch, seq, heads·headDim]
        var k = TensorOps.SliceLast(perHead, d, d).Reshape(batch, seq, h);     // [batch, seq, heads·headDim]
        var v = TensorOps.SliceLast(perHead, 2 * d, d).Reshape(batch, seq, h); // [batch, seq, heads·headDim]
        // Rotary on the first rotary_ndims channels of each head only (partial rotary).
        q = rotary.Apply(q, heads, d, positions);
        k = rotary.Apply(k, heads, d, positions);
        // Keys are cached after rotation, as HF's layer_past holds them.
        if (step.Cache is { } cache) (k, v) = cache.Update(_layerIdx, k, v); // [batch, past + seq, hidden] each
        // _attn: baddbmm(q, kᵀ, alpha = head_size^-0.5), causal mask, padding mask, softmax, ·v.
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, d, (float)(1.0 / Math.Sqrt(d)),
            new AttentionMask(step.KeyMask, Causal: true, PastLength: step.Past)); // [batch, seq, hidden]
        return Dense.Forward(ctx);
    }

    /// <summary>GPTNeoXMLP: [batch, seq, hidden] → [batch, seq, hidden].</summary>
    private Tensor Mlp(Tensor x)
    {
        var u = Up.Forward(x); // [batch, seq, intermediate]
        u = Activations.Apply(_cfg.HiddenAct, u);
        return Down.Forward(u);
    }
}
