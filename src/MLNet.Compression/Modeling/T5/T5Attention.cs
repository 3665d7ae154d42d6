using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.T5;

/// <summary>
/// T5Attention (modeling_t5.py): q, k, v, o without biases and without 1/√d scaling of the scores (the scale is folded
/// into the initialisation, Raffel et al. 2020 §2.1). Only block 0 of each stack owns relative_attention_bias; the bias
/// it computes is reused by every later block of that stack.
/// </summary>
internal sealed class T5Attention : CompositeModule
{
    private readonly T5Config _cfg;
    private readonly bool _isDecoder;

    /// <param name="p">key prefix, e.g. "encoder.block.0.layer.0.SelfAttention"</param>
    public T5Attention(T5Config cfg, WeightLoader w, string p, bool isDecoder, bool hasRelativeBias)
    {
        _cfg = cfg;
        _isDecoder = isDecoder;
        int d = cfg.DModel, inner = cfg.InnerDim;
        Q = w.Linear($"{p}.q", LayerRole.AttentionQuery, d, inner, bias: false);
        K = w.Linear($"{p}.k", LayerRole.AttentionKey, d, inner, bias: false);
        V = w.Linear($"{p}.v", LayerRole.AttentionValue, d, inner, bias: false);
        O = w.Linear($"{p}.o", LayerRole.AttentionOutput, inner, d, bias: false);
        if (hasRelativeBias)
        {
            RelativeBiasKey = $"{p}.relative_attention_bias.weight";
            RelativeBias = w.Get(RelativeBiasKey, cfg.RelativeAttentionNumBuckets, cfg.Heads); // [buckets, heads]
        }
    }

    public Linear Q { get; }
    public Linear K { get; }
    public Linear V { get; }
    public Linear O { get; }
    public string? RelativeBiasKey { get; }
    public Tensor? RelativeBias { get; }

    /// <summary>q, k, v, o; the relative_attention_bias table is listed by <see cref="T5Block"/>.</summary>
    public override IReadOnlyList<IModule> Modules => [Q, K, V, O];

    /// <summary>
    /// x [batch, tq, d_model] attends to kv [batch, tk, d_model] (kv = x for self-attention, the encoder output for
    /// cross-attention) → [batch, tq, d_model]. <paramref name="positionBias"/> is [1, heads, tq, tk] or null.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor kv, AttentionMask mask, Tensor? positionBias)
    {
        var (k, v) = Project(kv); // [batch, tk, heads·d_kv] each
        return Attend(x, k, v, mask, positionBias);
    }

    /// <summary>Self-attention of new decoder tokens x [batch, tq, d_model] over the cached positions and themselves.</summary>
    public Tensor ForwardCached(Tensor x, AttentionMask mask, Tensor? positionBias, KeyValueCache cache, int layer)
    {
        var (k, v) = Project(x);                 // [batch, tq, heads·d_kv] each
        (k, v) = cache.Update(layer, k, v);      // [batch, past + tq, heads·d_kv] each
        return Attend(x, k, v, mask, positionBias);
    }

    /// <summary>kv [batch, tk, d_model] → keys and values [batch, tk, heads·d_kv].</summary>
    public (Tensor Keys, Tensor Values) Project(Tensor kv) => (K.Forward(kv), V.Forward(kv));

    /// <summary>x [batch, tq, d_model] attends to projected keys and values → [batch, tq, d_model].</summary>
    public Tensor Attend(Tensor x, Tensor k, Tensor v, AttentionMask mask, Tensor? positionBias)
    {
        var q = Q.Forward(x); // [batch, tq, heads·d_kv]
        // HF adds the extended mask (finfo.min) into the position bias; a masked score then rounds to finfo.min,
        // which is what the kernel writes, so passing bias and mask separately is exact.
        var ctx = AttentionKernel.Compute(q, k, v, _cfg.Heads, _cfg.Heads, _cfg.DKv, 1f, mask, positionBias);
        return O.Forward(ctx);
    }

    /// <summary>
    /// compute_bias: bias[0, h, i, j] = relative_attention_bias[bucket(j − (i + queryOffset)), h] → [1, heads, tq, tk];
    /// bidirectional buckets in the encoder, causal (past only) buckets in the decoder. A decoding step over a cache
    /// passes the cached length as <paramref name="queryOffset"/>: its queries sit after the cached keys, as HF keeps the
    /// last tq rows of the full bias.
    /// </summary>
    public Tensor ComputeBias(int tq, int tk, int queryOffset = 0)
    {
        var table = RelativeBias ?? throw new InvalidOperationException("Only the first block of a T5 stack owns relative_attention_bias.");
        int heads = _cfg.Heads;
        var index = new int[heads * tq * tk]; // [1, heads, tq, tk] positions in the flat table
        for (int i = 0; i < tq; i++)
            for (int j = 0; j < tk; j++)
            {
                int bucket = RelativePositionBucket(j - (i + queryOffset), !_isDecoder, _cfg.RelativeAttentionNumBuckets, _cfg.RelativeAttentionMaxDistance);
                for (int h = 0; h < heads; h++) index[(h * tq + i) * tk + j] = bucket * heads + h;
            }
        if (Tensors.Autograd.Tape.Current is { } tape) return tape.Out(tape.GatherElements(tape.Of(table), index, 1, heads, tq, tk));
        var bias = Tensor.Zeros(1, heads, tq, tk); // [1, heads, tq, tk]
        var t = table.ReadOnlySpan;
        var b = bias.Span;
        for (int n = 0; n < index.Length; n++) b[n] = t[index[n]];
        return bias;
    }

    /// <summary>
    /// _relative_position_bucket (Mesh TensorFlow's scheme): half the buckets hold exact small distances, the rest
    /// cover distances up to maxDistance logarithmically; bidirectional splits the buckets by sign.
    /// The logarithmic part is evaluated in float32 and truncated, as HF does on a float tensor, so boundary
    /// distances land in the same bucket.
    /// </summary>
    internal static int RelativePositionBucket(int relativePosition, bool bidirectional, int numBuckets, int maxDistance)
    {
        int bucket = 0;
        int n;
        if (bidirectional)
        {
            numBuckets /= 2;
            if (relativePosition > 0) bucket += numBuckets;
            n = Math.Abs(relativePosition);
        }
        else
        {
            n = Math.Max(-relativePosition, 0);
        }
        int maxExact = numBuckets / 2;
        if (n < maxExact) return bucket + n;
        float logRatio = (float)Math.Log((double)maxDistance / maxExact);
        float scaled = MathF.Log((float)n / maxExact) / logRatio * (numBuckets - maxExact);
        long large = maxExact + (long)scaled;
        return bucket + (int)Math.Min(large, numBuckets - 1);
    }
}
