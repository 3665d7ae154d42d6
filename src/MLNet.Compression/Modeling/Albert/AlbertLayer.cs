using MLNet.Compression.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNet.Compression.Modeling.Albert;

/// <summary>
/// One AlbertLayer (transformers/models/albert/modeling_albert.py): AlbertAttention (query, key, value → dense → + x →
/// attention.LayerNorm), then ffn → activation → ffn_output → + residual → full_layer_layer_norm.
/// Its Linear objects are shared by every application of its group, so the model registers them once.
/// </summary>
internal sealed class AlbertLayer
{
    private readonly AlbertConfig _cfg;

    public AlbertLayer(AlbertConfig cfg, WeightLoader w, string p)
    {
        _cfg = cfg;
        int h = cfg.HiddenSize;
        Query = w.Linear($"{p}.attention.query", LayerRole.AttentionQuery, h, h);
        Key = w.Linear($"{p}.attention.key", LayerRole.AttentionKey, h, h);
        Value = w.Linear($"{p}.attention.value", LayerRole.AttentionValue, h, h);
        AttentionOutput = w.Linear($"{p}.attention.dense", LayerRole.AttentionOutput, h, h);
        AttentionNorm = w.LayerNorm($"{p}.attention.LayerNorm", h, cfg.LayerNormEps);
        Up = w.Linear($"{p}.ffn", LayerRole.FfnUp, h, cfg.IntermediateSize);
        Down = w.Linear($"{p}.ffn_output", LayerRole.FfnDown, cfg.IntermediateSize, h);
        OutputNorm = w.LayerNorm($"{p}.full_layer_layer_norm", h, cfg.LayerNormEps);
        if (cfg.PositionEmbeddingType != "absolute")
        {
            DistanceKey = $"{p}.attention.distance_embedding.weight";
            Distance = w.Get(DistanceKey, 2 * cfg.MaxPositions - 1, cfg.HeadDim); // [2·maxPositions − 1, headDim]
        }
    }

    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear AttentionOutput { get; }
    public LayerNorm AttentionNorm { get; }
    public Linear Up { get; }
    public Linear Down { get; }
    public LayerNorm OutputNorm { get; }
    public string? DistanceKey { get; }
    public Tensor? Distance { get; }

    public IEnumerable<object> Modules() => [Query, Key, Value, AttentionOutput, AttentionNorm, Up, Down, OutputNorm];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]; <paramref name="mask"/> is [batch, seq], 0 = padding.</summary>
    public Tensor Forward(Tensor x, int[] mask)
    {
        var q = Query.Forward(x); // [batch, seq, hidden]
        var k = Key.Forward(x);   // [batch, seq, hidden]
        var v = Value.Forward(x); // [batch, seq, hidden]
        float scale = 1f / MathF.Sqrt(_cfg.HeadDim);
        Tensor? bias = Distance is null ? null : RelativeScores(q, k); // [batch, heads, seq, seq]
        int heads = q.Dim(-1) / _cfg.HeadDim; // from the weight: head pruning removes heads for real
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, _cfg.HeadDim, scale, new AttentionMask(mask, false), bias); // [batch, seq, hidden]
        var attn = AttentionOutput.Forward(ctx); // [batch, seq, hidden]
        TensorOps.AddInPlace(attn, x);
        attn = AttentionNorm.Forward(attn);      // [batch, seq, hidden]
        var inner = Up.Forward(attn);            // [batch, seq, intermediate]
        Activations.Apply(_cfg.HiddenAct, inner.Span);
        var ffn = Down.Forward(inner);           // [batch, seq, hidden]
        TensorOps.AddInPlace(ffn, attn);
        return OutputNorm.Forward(ffn);          // [batch, seq, hidden]
    }

    /// <summary>
    /// relative_key: scores[t, s] += q_t · D[t − s + maxPositions − 1]; relative_key_query adds k_s · D[t − s + maxPositions − 1] too.
    /// Unlike BertSelfAttention, AlbertAttention adds these after dividing q·kᵀ by √headDim (and after the padding mask),
    /// so they are not scaled here. Adding before masking is equivalent: masked keys get float.MinValue either way.
    /// Returns [batch, heads, seq, seq].
    /// </summary>
    private Tensor RelativeScores(Tensor q, Tensor k)
    {
        int batch = q.Dim(0), seq = q.Dim(1), heads = q.Dim(-1) / _cfg.HeadDim, d = _cfg.HeadDim, maxPos = _cfg.MaxPositions;
        var scores = Tensor.Zeros(batch, heads, seq, seq);
        var qs = q.ReadOnlySpan;
        var ks = k.ReadOnlySpan;
        var dist = Distance!.ReadOnlySpan;
        var ss = scores.Span;
        bool withKey = _cfg.PositionEmbeddingType == "relative_key_query";
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < seq; t++)
                {
                    var qt = qs.Slice((b * seq + t) * heads * d + h * d, d);
                    for (int s = 0; s < seq; s++)
                    {
                        var e = dist.Slice((t - s + maxPos - 1) * d, d);
                        float acc = TensorPrimitives.Dot(qt, e);
                        if (withKey) acc += TensorPrimitives.Dot(ks.Slice((b * seq + s) * heads * d + h * d, d), e);
                        ss[((b * heads + h) * seq + t) * seq + s] = acc;
                    }
                }
        return scores;
    }
}
