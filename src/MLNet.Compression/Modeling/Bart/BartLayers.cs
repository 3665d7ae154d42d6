using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Bart;

/// <summary>
/// BartAttention (modeling_bart.py, eager): q/k/v/out projections with biases; the query is multiplied by
/// head_dim^-0.5 right after its projection, as HF does, before the scores are taken.
/// </summary>
internal sealed class BartAttention : CompositeModule
{
    private readonly int _headDim;

    /// <param name="p">key prefix, e.g. "model.decoder.layers.0.encoder_attn"</param>
    public BartAttention(WeightLoader w, string p, int d, int heads, int headDim)
    {
        _headDim = headDim;
        Q = w.Linear($"{p}.q_proj", LayerRole.AttentionQuery, d, d);
        K = w.Linear($"{p}.k_proj", LayerRole.AttentionKey, d, d);
        V = w.Linear($"{p}.v_proj", LayerRole.AttentionValue, d, d);
        Out = w.Linear($"{p}.out_proj", LayerRole.AttentionOutput, d, d);
    }

    public Linear Q { get; }
    public Linear K { get; }
    public Linear V { get; }
    public Linear Out { get; }

    public override IReadOnlyList<IModule> Modules => [Q, K, V, Out];

    /// <summary>x [batch, tq, d] attends to kv [batch, tk, d] (x itself, or the encoder output) → [batch, tq, d].</summary>
    public Tensor Forward(Tensor x, Tensor kv, AttentionMask mask)
    {
        var (k, v) = Project(kv); // [batch, tk, d] each
        return Attend(x, k, v, mask);
    }

    /// <summary>kv [batch, tk, d] → keys and values [batch, tk, d].</summary>
    public (Tensor Keys, Tensor Values) Project(Tensor kv) => (K.Forward(kv), V.Forward(kv));

    /// <summary>x [batch, tq, d] attends to projected keys and values → [batch, tq, d].</summary>
    public Tensor Attend(Tensor x, Tensor k, Tensor v, AttentionMask mask)
    {
        var q = Q.Forward(x);  // [batch, tq, d]
        q = TensorOps.Scale(q, (float)Math.Pow(_headDim, -0.5));
        int heads = q.Dim(-1) / _headDim; // from the weight: head pruning removes heads for real
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, _headDim, 1f, mask);
        return Out.Forward(ctx);
    }
}

/// <summary>
/// BartEncoderLayer / BartDecoderLayer: post-norm blocks. Self-attention → residual → self_attn_layer_norm;
/// (decoder) encoder_attn → residual → encoder_attn_layer_norm; fc1 → activation → fc2 → residual → final_layer_norm.
/// </summary>
internal sealed class BartLayer : CompositeModule
{
    private readonly Activation _act;

    /// <param name="p">key prefix, e.g. "model.encoder.layers.0"</param>
    public BartLayer(BartConfig cfg, WeightLoader w, string p, bool isDecoder)
    {
        int d = cfg.DModel;
        int heads = isDecoder ? cfg.DecoderHeads : cfg.EncoderHeads;
        int headDim = isDecoder ? cfg.DecoderHeadDim : cfg.EncoderHeadDim;
        int ffn = isDecoder ? cfg.DecoderFfnDim : cfg.EncoderFfnDim;
        _act = cfg.ActivationFunction;
        SelfAttention = new BartAttention(w, $"{p}.self_attn", d, heads, headDim);
        SelfNorm = w.LayerNorm($"{p}.self_attn_layer_norm", d, BartConfig.LayerNormEps);
        if (isDecoder)
        {
            CrossAttention = new BartAttention(w, $"{p}.encoder_attn", d, heads, headDim);
            CrossNorm = w.LayerNorm($"{p}.encoder_attn_layer_norm", d, BartConfig.LayerNormEps);
        }
        Fc1 = w.Linear($"{p}.fc1", LayerRole.FfnUp, d, ffn);
        Fc2 = w.Linear($"{p}.fc2", LayerRole.FfnDown, ffn, d);
        FinalNorm = w.LayerNorm($"{p}.final_layer_norm", d, BartConfig.LayerNormEps);
    }

    public BartAttention SelfAttention { get; }
    public LayerNorm SelfNorm { get; }
    public BartAttention? CrossAttention { get; }
    public LayerNorm? CrossNorm { get; }
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }
    public LayerNorm FinalNorm { get; }

    /// <summary>Modules in checkpoint order, for registration.</summary>
    public override IReadOnlyList<IModule> Modules => CrossAttention is null
        ? [SelfAttention, SelfNorm, Fc1, Fc2, FinalNorm]
        : [SelfAttention, SelfNorm, CrossAttention, CrossNorm!, Fc1, Fc2, FinalNorm];

    /// <summary>h [batch, t, d] → [batch, t, d]; <paramref name="encoder"/> is set in the decoder.</summary>
    /// <param name="cache">with a decoder cache, self-attention appends to it and cross-attention reuses its projected encoder keys</param>
    /// <param name="layer">this layer's index in the decoder, where it stores in <paramref name="cache"/></param>
    public Tensor Forward(Tensor h, AttentionMask selfMask, Seq2SeqEncoding? encoder, Seq2SeqDecoderCache? cache = null, int layer = 0)
    {
        Tensor attn;
        if (cache is null) attn = SelfAttention.Forward(h, h, selfMask);
        else
        {
            var (k, v) = SelfAttention.Project(h);   // [batch, t, d] each
            (k, v) = cache.Self.Update(layer, k, v); // [batch, past + t, d] each
            attn = SelfAttention.Attend(h, k, v, selfMask);
        }
        attn = TensorOps.Add(attn, h);
        h = SelfNorm.Forward(attn);

        if (CrossAttention is not null)
        {
            var enc = encoder ?? throw new InvalidOperationException("A BART decoder layer needs the encoder output.");
            var crossMask = new AttentionMask(enc.Mask, false);
            Tensor cross;
            if (cache is null) cross = CrossAttention.Forward(h, enc.LastHiddenState, crossMask);
            else
            {
                var (k, v) = cache.Cross(layer, () => CrossAttention.Project(enc.LastHiddenState)); // [batch, src, d] each
                cross = CrossAttention.Attend(h, k, v, crossMask);
            }
            cross = TensorOps.Add(cross, h);
            h = CrossNorm!.Forward(cross);
        }

        var ff = Fc1.Forward(h); // [batch, t, ffn]
        ff = Activations.Apply(_act, ff);
        var o = Fc2.Forward(ff); // [batch, t, d]
        o = TensorOps.Add(o, h);
        return FinalNorm.Forward(o);
    }
}
