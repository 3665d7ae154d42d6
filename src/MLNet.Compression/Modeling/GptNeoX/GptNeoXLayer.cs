using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.GptNeoX;

/// <summary>
/// GPTNeoXLayer (v4.36 modeling_gpt_neox.py): LayerNorm → fused query_key_value → partial rotary → causal attention → dense,
/// and LayerNorm → dense_h_to_4h → act → dense_4h_to_h, joined by the parallel or the sequential residual.
/// </summary>
internal sealed class GptNeoXLayer : CompositeModule, IDecoderLayer
{
    private readonly GptNeoXConfig _cfg;

    public GptNeoXLayer(GptNeoXConfig cfg, WeightLoader w, string p)
    {
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
        var attn = Attention(InputNorm.Forward(x), step.KeyMask, step.PositionIds!, step.Rotary!); // [batch, seq, hidden]
        if (_cfg.UseParallelResidual)
        {
            // mlp_output + attn_output + hidden_states, summed in that order.
            var y = Mlp(PostAttentionNorm.Forward(x));
            TensorOps.AddInPlace(y, attn);
            TensorOps.AddInPlace(y, x);
            return y;
        }
        TensorOps.AddInPlace(attn, x);
        var z = Mlp(PostAttentionNorm.Forward(attn));
        TensorOps.AddInPlace(z, attn);
        return z;
    }

    /// <summary>GPTNeoXAttention: [batch, seq, hidden] → [batch, seq, hidden].</summary>
    private Tensor Attention(Tensor x, int[] keyMask, int[] positions, Rotary rotary)
    {
        int batch = x.Dim(0), seq = x.Dim(1), heads = _cfg.Heads, d = _cfg.HeadDim, h = _cfg.HiddenSize;
        var qkv = QueryKeyValue.Forward(x); // [batch, seq, heads·3·headDim]
        var q = Tensor.Zeros(batch, seq, h); // [batch, seq, heads·headDim]
        var k = Tensor.Zeros(batch, seq, h);
        var v = Tensor.Zeros(batch, seq, h);
        // qkv.view(batch, seq, heads, 3·headDim): q = [..., :d], k = [..., d:2d], v = [..., 2d:].
        var src = qkv.ReadOnlySpan;
        for (int row = 0; row < batch * seq; row++)
            for (int head = 0; head < heads; head++)
            {
                int s = row * 3 * h + head * 3 * d, t = row * h + head * d;
                src.Slice(s, d).CopyTo(q.Span.Slice(t, d));
                src.Slice(s + d, d).CopyTo(k.Span.Slice(t, d));
                src.Slice(s + 2 * d, d).CopyTo(v.Span.Slice(t, d));
            }
        // Rotary on the first rotary_ndims channels of each head only (partial rotary).
        rotary.Apply(q.Span, batch, seq, heads, d, positions);
        rotary.Apply(k.Span, batch, seq, heads, d, positions);
        // _attn: baddbmm(q, kᵀ, alpha = head_size^-0.5), causal mask, padding mask, softmax, ·v.
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, d, (float)(1.0 / Math.Sqrt(d)),
            new AttentionMask(keyMask, Causal: true)); // [batch, seq, hidden]
        return Dense.Forward(ctx);
    }

    /// <summary>GPTNeoXMLP: [batch, seq, hidden] → [batch, seq, hidden].</summary>
    private Tensor Mlp(Tensor x)
    {
        var u = Up.Forward(x); // [batch, seq, intermediate]
        Activations.Apply(_cfg.HiddenAct, u.Span);
        return Down.Forward(u);
    }
}
