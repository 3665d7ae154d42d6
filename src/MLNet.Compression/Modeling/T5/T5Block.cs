using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.T5;

/// <summary>
/// T5DenseActDense (v1.0: wo(act(wi x))) or T5DenseGatedActDense (v1.1: wo(act(wi_0 x) ⊙ wi_1 x)), modeling_t5.py.
/// </summary>
internal sealed class T5FeedForward : CompositeModule
{
    private readonly Activation _act;

    /// <param name="p">key prefix, e.g. "encoder.block.0.layer.1.DenseReluDense"</param>
    public T5FeedForward(T5Config cfg, WeightLoader w, string p)
    {
        _act = cfg.DenseAct;
        int d = cfg.DModel, ff = cfg.DFf;
        if (cfg.IsGatedAct)
        {
            // wi_0 goes through the activation (the gate), wi_1 is the linear branch.
            Gate = w.Linear($"{p}.wi_0", LayerRole.FfnGate, d, ff, bias: false);
            Up = w.Linear($"{p}.wi_1", LayerRole.FfnUp, d, ff, bias: false);
        }
        else
        {
            Up = w.Linear($"{p}.wi", LayerRole.FfnUp, d, ff, bias: false);
        }
        Down = w.Linear($"{p}.wo", LayerRole.FfnDown, ff, d, bias: false);
    }

    public Linear? Gate { get; }
    public Linear Up { get; }
    public Linear Down { get; }

    public override IReadOnlyList<IModule> Modules => Gate is null ? [Up, Down] : [Gate, Up, Down];

    /// <summary>[.., d_model] → [.., d_model]</summary>
    public Tensor Forward(Tensor x)
    {
        Tensor h; // [.., d_ff]
        if (Gate is null)
        {
            h = Up.Forward(x);
            h = Activations.Apply(_act, h);
        }
        else
        {
            h = Gate.Forward(x);
            h = Activations.Apply(_act, h);
            var linear = Up.Forward(x);
            h = TensorOps.Multiply(h, linear);
        }
        return Down.Forward(h);
    }
}

/// <summary>
/// T5Block: pre-norm sublayers with residuals: layer.0 self-attention, (decoder) layer.1 cross-attention, then the FFN
/// (layer.1 in the encoder, layer.2 in the decoder). Each norm is a T5LayerNorm (RMS, no mean, no bias).
/// </summary>
internal sealed class T5Block : CompositeModule
{
    /// <summary>
    /// T5Stack.forward: ids [batch, t] → [batch, t, d_model] through <paramref name="blocks"/> and the final norm. Hidden
    /// states are collected before each block, and the last entry is the final_layer_norm output, as HF records them.
    /// </summary>
    /// <param name="cache">a decoder's cache for incremental decoding (the tokens follow its <see cref="KeyValueCache.Length"/> − t positions), or null</param>
    public static Tensor RunStack(T5Config cfg, Tensor shared, T5Block[] blocks, RmsNorm finalNorm, TokenBatch tokens, AttentionMask mask,
                                  Seq2SeqEncoding? encoder, List<Tensor>? states, Seq2SeqDecoderCache? cache = null)
    {
        int batch = tokens.Batch, t = tokens.Length, d = cfg.DModel, past = mask.PastLength;
        var h = TensorOps.Embedding(shared, tokens.Ids).Reshape(batch, t, d); // [batch, t, d_model]
        // Block 0 computes the bias; T5Stack passes it on to every later block.
        var bias = blocks.Length > 0 ? blocks[0].SelfAttention.ComputeBias(t, past + t, past) : null; // [1, heads, t, past + t]
        for (int i = 0; i < blocks.Length; i++)
        {
            states?.Add(h);
            h = blocks[i].Forward(h, mask, bias!, encoder, cache, i);
        }
        h = finalNorm.Forward(h);
        states?.Add(h);
        return h;
    }

    /// <param name="p">key prefix, e.g. "decoder.block.3"</param>
    public T5Block(T5Config cfg, WeightLoader w, string p, bool isDecoder, bool hasRelativeBias)
    {
        int d = cfg.DModel;
        SelfNorm = Norm(w, $"{p}.layer.0.layer_norm", d, cfg.LayerNormEps);
        SelfAttention = new T5Attention(cfg, w, $"{p}.layer.0.SelfAttention", isDecoder, hasRelativeBias);
        int ffLayer = 1;
        if (isDecoder)
        {
            CrossNorm = Norm(w, $"{p}.layer.1.layer_norm", d, cfg.LayerNormEps);
            CrossAttention = new T5Attention(cfg, w, $"{p}.layer.1.EncDecAttention", isDecoder, hasRelativeBias: false);
            ffLayer = 2;
        }
        FfnNorm = Norm(w, $"{p}.layer.{ffLayer}.layer_norm", d, cfg.LayerNormEps);
        Ffn = new T5FeedForward(cfg, w, $"{p}.layer.{ffLayer}.DenseReluDense");
    }

    public RmsNorm SelfNorm { get; }
    public T5Attention SelfAttention { get; }
    public RmsNorm? CrossNorm { get; }
    public T5Attention? CrossAttention { get; }
    public RmsNorm FfnNorm { get; }
    public T5FeedForward Ffn { get; }

    internal static RmsNorm Norm(WeightLoader w, string p, int d, float eps) => new(p, w.Vector($"{p}.weight", d), eps);

    /// <summary>
    /// Modules in checkpoint order, for registration; block 0's relative_attention_bias table comes last, after the norms,
    /// which is where <see cref="LanguageModel.OtherTensors"/> (and so saved files) list it.
    /// </summary>
    public override IReadOnlyList<IModule> Modules
    {
        get
        {
            List<IModule> modules = [SelfNorm, SelfAttention];
            if (CrossAttention is not null) modules.AddRange([CrossNorm!, CrossAttention]);
            modules.AddRange([FfnNorm, Ffn]);
            if (SelfAttention.RelativeBiasKey is { } key) modules.Add(new NamedTensor(key, SelfAttention.RelativeBias!));
            return modules;
        }
    }

    /// <summary>
    /// h [batch, t, d_model] → [batch, t, d_model]. <paramref name="selfBias"/> [1, heads, t, t] is the stack's shared
    /// relative position bias; <paramref name="encoder"/> is set in the decoder.
    /// </summary>
    /// <param name="cache">with a decoder cache, self-attention appends to it and cross-attention reuses its projected encoder keys</param>
    /// <param name="layer">this block's index in its stack, where it stores in <paramref name="cache"/></param>
    public Tensor Forward(Tensor h, AttentionMask selfMask, Tensor selfBias, Seq2SeqEncoding? encoder, Seq2SeqDecoderCache? cache = null, int layer = 0)
    {
        var normed = SelfNorm.Forward(h);
        var attn = cache is null ? SelfAttention.Forward(normed, normed, selfMask, selfBias)
            : SelfAttention.ForwardCached(normed, selfMask, selfBias, cache.Self, layer);
        attn = TensorOps.Add(attn, h);
        h = attn;

        if (CrossAttention is not null)
        {
            var enc = encoder ?? throw new InvalidOperationException("A T5 decoder block needs the encoder output.");
            // EncDecAttention has no relative bias: only the inverted encoder padding mask is added.
            normed = CrossNorm!.Forward(h);
            var crossMask = new AttentionMask(enc.Mask, false);
            Tensor cross;
            if (cache is null) cross = CrossAttention.Forward(normed, enc.LastHiddenState, crossMask, null);
            else
            {
                var (k, v) = cache.Cross(layer, () => CrossAttention.Project(enc.LastHiddenState)); // [batch, src, heads·d_kv] each
                cross = CrossAttention.Attend(normed, k, v, crossMask, null);
            }
            cross = TensorOps.Add(cross, h);
            h = cross;
        }

        var ff = Ffn.Forward(FfnNorm.Forward(h));
        ff = TensorOps.Add(ff, h);
        return ff;
    }
}
