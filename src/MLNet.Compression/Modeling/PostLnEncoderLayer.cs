using MLNet.Compression.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace MLNet.Compression.Modeling;

/// <summary>
/// Hugging Face key names of one post-LN encoder block, relative to the block's prefix. The families name the same
/// parts differently (BertLayer in modeling_bert.py, TransformerBlock in modeling_distilbert.py, AlbertLayer in
/// modeling_albert.py), so the names are data and the block is one class.
/// </summary>
/// <param name="DistanceEmbedding">The relative-position table's module, or null where the family has none (DistilBERT).</param>
internal sealed record PostLnEncoderKeys(
    string Query, string Key, string Value, string AttentionOutput, string AttentionNorm,
    string Up, string Down, string OutputNorm, string? DistanceEmbedding);

/// <summary>
/// position_embedding_type "relative_key" or "relative_key_query" (Shaw et al. 2018; Huang et al. 2020): a distance table
/// [2·maxPositions − 1, headDim] whose row t − s + maxPositions − 1 is dotted with q_t (and, for relative_key_query, with k_s).
/// </summary>
/// <param name="ScaleLikeScores">
/// True where HF adds the relative scores before dividing by √headDim (BertSelfAttention), so they are scaled here too;
/// false where they are added after (AlbertAttention).
/// </param>
internal sealed record RelativeDistance(bool WithKey, int MaxPositions, bool ScaleLikeScores)
{
    /// <summary>The setting for a position_embedding_type value; null for "absolute".</summary>
    public static RelativeDistance? For(string positionEmbeddingType, int maxPositions, bool scaleLikeScores)
        => positionEmbeddingType == "absolute" ? null
            : new RelativeDistance(positionEmbeddingType == "relative_key_query", maxPositions, scaleLikeScores);
}

/// <summary>The sizes and settings of a post-LN encoder block.</summary>
internal sealed record PostLnEncoderShape(int Hidden, int Intermediate, int HeadDim, Activation Activation, float LayerNormEps,
    RelativeDistance? Relative = null);

/// <summary>
/// One post-LayerNorm encoder block as BERT, RoBERTa, DistilBERT and ALBERT share it:
/// self-attention (query, key, value → softmax(q·kᵀ/√d)·v → output dense) → + x → LayerNorm,
/// then up → activation → down → + residual → LayerNorm (Vaswani et al. 2017, §3.1; Devlin et al. 2019).
/// </summary>
internal sealed class PostLnEncoderLayer : CompositeModule
{
    private readonly PostLnEncoderShape _shape;

    /// <param name="p">key prefix of the block, e.g. "bert.encoder.layer.3"</param>
    public PostLnEncoderLayer(WeightLoader w, string p, PostLnEncoderKeys keys, PostLnEncoderShape shape)
    {
        _shape = shape;
        int h = shape.Hidden, inter = shape.Intermediate;
        Query = w.Linear($"{p}.{keys.Query}", LayerRole.AttentionQuery, h, h);
        Key = w.Linear($"{p}.{keys.Key}", LayerRole.AttentionKey, h, h);
        Value = w.Linear($"{p}.{keys.Value}", LayerRole.AttentionValue, h, h);
        AttentionOutput = w.Linear($"{p}.{keys.AttentionOutput}", LayerRole.AttentionOutput, h, h);
        AttentionNorm = w.LayerNorm($"{p}.{keys.AttentionNorm}", h, shape.LayerNormEps);
        Up = w.Linear($"{p}.{keys.Up}", LayerRole.FfnUp, h, inter);
        Down = w.Linear($"{p}.{keys.Down}", LayerRole.FfnDown, inter, h);
        OutputNorm = w.LayerNorm($"{p}.{keys.OutputNorm}", h, shape.LayerNormEps);
        List<IModule> modules = [Query, Key, Value, AttentionOutput, AttentionNorm, Up, Down, OutputNorm];
        if (shape.Relative is { } rel)
        {
            if (keys.DistanceEmbedding is null) throw new ArgumentException("This family has no relative position table.", nameof(keys));
            string key = $"{p}.{keys.DistanceEmbedding}.weight";
            Distance = w.Get(key, 2 * rel.MaxPositions - 1, shape.HeadDim); // [2·maxPositions − 1, headDim]
            modules.Add(new NamedTensor(key, Distance));
        }
        Modules = modules;
    }

    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear AttentionOutput { get; }
    public LayerNorm AttentionNorm { get; }
    public Linear Up { get; }
    public Linear Down { get; }
    public LayerNorm OutputNorm { get; }

    /// <summary>The relative-position table [2·maxPositions − 1, headDim], or null for absolute positions.</summary>
    public Tensor? Distance { get; }

    /// <summary>The linear layers and norms in checkpoint order, then the distance table where there is one.</summary>
    public override IReadOnlyList<IModule> Modules { get; }

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]; <paramref name="mask"/> is [batch, seq], 0 = padding.</summary>
    public Tensor Forward(Tensor x, int[] mask)
    {
        int d = _shape.HeadDim;
        var q = Query.Forward(x); // [batch, seq, hidden]
        var k = Key.Forward(x);   // [batch, seq, hidden]
        var v = Value.Forward(x); // [batch, seq, hidden]
        // HF divides the scores by √headDim and fills padded keys with finfo.min; the kernel does both in one step.
        float scale = 1f / MathF.Sqrt(d);
        Tensor? bias = Distance is null ? null : RelativeScores(q, k, _shape.Relative!.ScaleLikeScores ? scale : 1f); // [batch, heads, seq, seq]
        int heads = q.Dim(-1) / d; // from the weight: head pruning removes heads for real
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, d, scale, new AttentionMask(mask, false), bias); // [batch, seq, hidden]
        var attn = AttentionOutput.Forward(ctx); // [batch, seq, hidden]
        attn = TensorOps.Add(attn, x);
        attn = AttentionNorm.Forward(attn);      // [batch, seq, hidden]
        var inner = Up.Forward(attn);            // [batch, seq, intermediate]
        inner = Activations.Apply(_shape.Activation, inner);
        var ffn = Down.Forward(inner);           // [batch, seq, hidden]
        ffn = TensorOps.Add(ffn, attn);
        return OutputNorm.Forward(ffn);          // [batch, seq, hidden]
    }

    /// <summary>
    /// relative_key: scores[t, s] += q_t · D[t − s + maxPositions − 1]; relative_key_query adds k_s · D[t − s + maxPositions − 1] too
    /// (BertSelfAttention in modeling_bert.py, AlbertAttention in modeling_albert.py), times <paramref name="factor"/>
    /// (1/√headDim where HF adds them before the division, 1 where after). Adding before masking is equivalent: masked keys get
    /// float.MinValue either way. Returns [batch, heads, seq, seq].
    /// </summary>
    private Tensor RelativeScores(Tensor q, Tensor k, float factor)
    {
        if (Tensors.Autograd.Tape.Current is not null)
            throw new NotSupportedException("Training with position_embedding_type relative_key or relative_key_query is not supported; use absolute positions.");
        var rel = _shape.Relative!;
        int batch = q.Dim(0), seq = q.Dim(1), d = _shape.HeadDim, heads = q.Dim(-1) / d, maxPos = rel.MaxPositions;
        var scores = Tensor.Zeros(batch, heads, seq, seq);
        var qs = q.ReadOnlySpan;
        var ks = k.ReadOnlySpan;
        var dist = Distance!.ReadOnlySpan;
        var ss = scores.Span;
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < seq; t++)
                {
                    var qt = qs.Slice((b * seq + t) * heads * d + h * d, d);
                    for (int s = 0; s < seq; s++)
                    {
                        var e = dist.Slice((t - s + maxPos - 1) * d, d);
                        float acc = TensorPrimitives.Dot(qt, e);
                        if (rel.WithKey) acc += TensorPrimitives.Dot(ks.Slice((b * seq + s) * heads * d + h * d, d), e);
                        ss[((b * heads + h) * seq + t) * seq + s] = acc * factor;
                    }
                }
        return scores;
    }
}
