using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Llama;

/// <summary>
/// LlamaDecoderLayer (v4.36 modeling_llama.py): pre-RMSNorm self-attention with rotary q/k and grouped-query heads,
/// residual, pre-RMSNorm gated MLP down(act(gate(x))·up(x)), residual.
/// </summary>
internal sealed class LlamaDecoderLayer : CompositeModule, IDecoderLayer
{
    private readonly LlamaConfig _cfg;
    private readonly int _layerIdx;

    public LlamaDecoderLayer(LlamaConfig cfg, WeightLoader w, string p, int layerIdx)
    {
        _cfg = cfg;
        _layerIdx = layerIdx;
        int h = cfg.HiddenSize, kv = cfg.KvHeads * cfg.HeadDim, inter = cfg.IntermediateSize;
        InputNorm = new RmsNorm($"{p}.input_layernorm", w.Vector($"{p}.input_layernorm.weight", h), cfg.RmsNormEps);
        Query = w.Linear($"{p}.self_attn.q_proj", LayerRole.AttentionQuery, h, cfg.Heads * cfg.HeadDim, cfg.AttentionBias);
        Key = w.Linear($"{p}.self_attn.k_proj", LayerRole.AttentionKey, h, kv, cfg.AttentionBias);
        Value = w.Linear($"{p}.self_attn.v_proj", LayerRole.AttentionValue, h, kv, cfg.AttentionBias);
        Output = w.Linear($"{p}.self_attn.o_proj", LayerRole.AttentionOutput, cfg.Heads * cfg.HeadDim, h, cfg.AttentionBias);
        PostAttentionNorm = new RmsNorm($"{p}.post_attention_layernorm", w.Vector($"{p}.post_attention_layernorm.weight", h), cfg.RmsNormEps);
        Gate = w.Linear($"{p}.mlp.gate_proj", LayerRole.FfnGate, h, inter, bias: false);
        Up = w.Linear($"{p}.mlp.up_proj", LayerRole.FfnUp, h, inter, bias: false);
        Down = w.Linear($"{p}.mlp.down_proj", LayerRole.FfnDown, inter, h, bias: false);
    }

    public RmsNorm InputNorm { get; }
    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear Output { get; }
    public RmsNorm PostAttentionNorm { get; }
    public Linear Gate { get; }
    public Linear Up { get; }
    public Linear Down { get; }

    /// <summary>In checkpoint order, for registration.</summary>
    public override IReadOnlyList<IModule> Modules => [InputNorm, Query, Key, Value, Output, PostAttentionNorm, Gate, Up, Down];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]; the step carries the [batch, seq] positions and the rotary.</summary>
    public Tensor Forward(Tensor x, DecoderStep step)
    {
        int[] keyMask = step.KeyMask, positions = step.PositionIds!;
        var rotary = step.Rotary!;
        int batch = x.Dim(0), seq = x.Dim(1), d = _cfg.HeadDim;
        var normed = InputNorm.Forward(x);           // [batch, seq, hidden]
        var q = Query.Forward(normed);               // [batch, seq, heads·headDim]
        var k = Key.Forward(normed);                 // [batch, seq, kvHeads·headDim]
        var v = Value.Forward(normed);               // [batch, seq, kvHeads·headDim]
        // Head counts from the weights: head pruning removes heads for real.
        int heads = q.Dim(-1) / d, kvHeads = k.Dim(-1) / d;
        q = rotary.Apply(q, heads, d, positions);
        k = rotary.Apply(k, kvHeads, d, positions);
        // Keys are cached after rotation, as HF's DynamicCache holds them.
        if (step.Cache is { } cache) (k, v) = cache.Update(_layerIdx, k, v); // [batch, past + seq, kvHeads·headDim] each
        // LlamaAttention: softmax(q·kᵀ / √headDim + causal/padding mask)·v, k/v heads repeated for each query group.
        var ctx = AttentionKernel.Compute(q, k, v, heads, kvHeads, d, 1f / MathF.Sqrt(d),
            new AttentionMask(keyMask, Causal: true, PastLength: step.Past));  // [batch, seq, heads·headDim]
        var h1 = Output.Forward(ctx);                // [batch, seq, hidden]
        h1 = TensorOps.Add(h1, x);

        var m = PostAttentionNorm.Forward(h1);       // [batch, seq, hidden]
        var gate = Gate.Forward(m);                  // [batch, seq, intermediate]
        gate = Activations.Apply(_cfg.HiddenAct, gate);
        var up = Up.Forward(m);                      // [batch, seq, intermediate]
        gate = TensorOps.Multiply(gate, up);
        var y = Down.Forward(gate);                  // [batch, seq, hidden]
        y = TensorOps.Add(y, h1);
        return y;
    }
}
