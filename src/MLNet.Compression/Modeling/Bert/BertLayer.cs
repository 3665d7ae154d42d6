using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Bert;

/// <summary>
/// One post-LayerNorm encoder block as BertLayer: self-attention → dense → residual → LayerNorm,
/// intermediate dense → activation → output dense → residual → LayerNorm. RoBERTa uses the same block.
/// </summary>
internal sealed class BertLayer
{
    private readonly BertConfig _cfg;
    private readonly Tensor? _distance; // [2·maxPositions − 1, headDim] for relative position types

    public BertLayer(BertConfig cfg, WeightLoader w, string p)
    {
        _cfg = cfg;
        int h = cfg.HiddenSize;
        Query = w.Linear($"{p}.attention.self.query", LayerRole.AttentionQuery, h, h);
        Key = w.Linear($"{p}.attention.self.key", LayerRole.AttentionKey, h, h);
        Value = w.Linear($"{p}.attention.self.value", LayerRole.AttentionValue, h, h);
        AttentionOutput = w.Linear($"{p}.attention.output.dense", LayerRole.AttentionOutput, h, h);
        AttentionNorm = w.LayerNorm($"{p}.attention.output.LayerNorm", h, cfg.LayerNormEps);
        Intermediate = w.Linear($"{p}.intermediate.dense", LayerRole.FfnUp, h, cfg.IntermediateSize);
        Output = w.Linear($"{p}.output.dense", LayerRole.FfnDown, cfg.IntermediateSize, h);
        OutputNorm = w.LayerNorm($"{p}.output.LayerNorm", h, cfg.LayerNormEps);
        if (cfg.PositionEmbeddingType != "absolute")
        {
            DistanceKey = $"{p}.attention.self.distance_embedding.weight";
            _distance = w.Get(DistanceKey, 2 * cfg.MaxPositions - 1, cfg.HeadDim);
        }
    }

    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear AttentionOutput { get; }
    public LayerNorm AttentionNorm { get; }
    public Linear Intermediate { get; }
    public Linear Output { get; }
    public LayerNorm OutputNorm { get; }
    public string? DistanceKey { get; }
    public Tensor? Distance => _distance;

    public IEnumerable<object> Modules() => [Query, Key, Value, AttentionOutput, AttentionNorm, Intermediate, Output, OutputNorm];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]</summary>
    public Tensor Forward(Tensor x, int[] mask)
    {
        var q = Query.Forward(x);
        var k = Key.Forward(x);
        var v = Value.Forward(x);
        float scale = 1f / MathF.Sqrt(_cfg.HeadDim);
        Tensor? bias = _distance is null ? null : RelativeBias(q, k, scale);
        int heads = Query.OutFeatures / _cfg.HeadDim; // from the weight: head pruning removes heads for real
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, _cfg.HeadDim, scale, new AttentionMask(mask, false), bias);
        var attn = AttentionOutput.Forward(ctx);
        TensorOps.AddInPlace(attn, x);
        var h1 = AttentionNorm.Forward(attn);
        var inter = Intermediate.Forward(h1);
        Activations.Apply(_cfg.HiddenAct, inter.Span);
        var o = Output.Forward(inter);
        TensorOps.AddInPlace(o, h1);
        return OutputNorm.Forward(o);
    }

    /// <summary>
    /// relative_key: scores[t,s] += q_t · D[t − s]; relative_key_query adds k_s · D[t − s] too (modeling_bert.py, BertSelfAttention).
    /// HF adds these before dividing by √d, so the bias is scaled here. Returns [batch, heads, seq, seq].
    /// </summary>
    private Tensor RelativeBias(Tensor q, Tensor k, float scale)
    {
        int batch = q.Dim(0), seq = q.Dim(1), heads = q.Dim(-1) / _cfg.HeadDim, d = _cfg.HeadDim, maxPos = _cfg.MaxPositions;
        var bias = Tensor.Zeros(batch, heads, seq, seq);
        var qs = q.ReadOnlySpan;
        var ks = k.ReadOnlySpan;
        var dist = _distance!.ReadOnlySpan;
        var bs = bias.Span;
        bool withKey = _cfg.PositionEmbeddingType == "relative_key_query";
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < seq; t++)
                    for (int s = 0; s < seq; s++)
                    {
                        var e = dist.Slice((t - s + maxPos - 1) * d, d);
                        float acc = System.Numerics.Tensors.TensorPrimitives.Dot(qs.Slice((b * seq + t) * heads * d + h * d, d), e);
                        if (withKey) acc += System.Numerics.Tensors.TensorPrimitives.Dot(ks.Slice((b * seq + s) * heads * d + h * d, d), e);
                        bs[((b * heads + h) * seq + t) * seq + s] = acc * scale;
                    }
        return bias;
    }
}
