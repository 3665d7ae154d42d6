using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Opt;

/// <summary>
/// OPTAttention (modeling_opt.py, v4.36): separate q/k/v/out projections; the query is multiplied by head_dim^-0.5
/// right after q_proj, before the product with the keys, as HF does (so the scores round as HF's do).
/// </summary>
internal sealed class OptAttention : CompositeModule
{
    private readonly OptConfig _cfg;
    private readonly int _layerIdx;
    private readonly float _scaling;

    public OptAttention(OptConfig cfg, WeightLoader w, string p, int layerIdx)
    {
        _cfg = cfg;
        _layerIdx = layerIdx;
        _scaling = (float)Math.Pow(cfg.HeadDim, -0.5);
        int h = cfg.HiddenSize;
        KProj = w.Linear($"{p}.k_proj", LayerRole.AttentionKey, h, h, cfg.EnableBias);
        VProj = w.Linear($"{p}.v_proj", LayerRole.AttentionValue, h, h, cfg.EnableBias);
        QProj = w.Linear($"{p}.q_proj", LayerRole.AttentionQuery, h, h, cfg.EnableBias);
        OutProj = w.Linear($"{p}.out_proj", LayerRole.AttentionOutput, h, h, cfg.EnableBias);
    }

    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear QProj { get; }
    public Linear OutProj { get; }

    /// <summary>k, v, q, out: HF's named_parameters() order for OPTAttention.</summary>
    public override IReadOnlyList<IModule> Modules => [KProj, VProj, QProj, OutProj];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden], attending to the step's cached keys too.</summary>
    public Tensor Forward(Tensor x, DecoderStep step)
    {
        var q = QProj.Forward(x); // [batch, seq, hidden]
        q = TensorOps.Scale(q, _scaling);
        var k = KProj.Forward(x); // [batch, seq, hidden]
        var v = VProj.Forward(x); // [batch, seq, hidden]
        if (step.Cache is { } cache) (k, v) = cache.Update(_layerIdx, k, v); // [batch, past + seq, hidden] each
        int heads = q.Dim(-1) / _cfg.HeadDim; // from the weight: head pruning removes heads for real
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, _cfg.HeadDim, 1f,
            new AttentionMask(step.KeyMask, Causal: true, PastLength: step.Past)); // [batch, seq, hidden]
        return OutProj.Forward(ctx);
    }
}

/// <summary>
/// OPTDecoderLayer: self-attention and fc1 → activation → fc2, each with a residual. do_layer_norm_before picks
/// pre-norm (LayerNorm on the branch input) or post-norm (LayerNorm after the residual sum, the 350m layout).
/// </summary>
internal sealed class OptDecoderLayer : CompositeModule, IDecoderLayer
{
    private readonly OptConfig _cfg;

    public OptDecoderLayer(OptConfig cfg, WeightLoader w, string p, int layerIdx)
    {
        _cfg = cfg;
        int h = cfg.HiddenSize;
        SelfAttn = new OptAttention(cfg, w, $"{p}.self_attn", layerIdx);
        SelfAttnLayerNorm = w.LayerNorm($"{p}.self_attn_layer_norm", h, OptConfig.LayerNormEps, affine: cfg.LayerNormElementwiseAffine);
        Fc1 = w.Linear($"{p}.fc1", LayerRole.FfnUp, h, cfg.FfnDim, cfg.EnableBias);
        Fc2 = w.Linear($"{p}.fc2", LayerRole.FfnDown, cfg.FfnDim, h, cfg.EnableBias);
        FinalLayerNorm = w.LayerNorm($"{p}.final_layer_norm", h, OptConfig.LayerNormEps, affine: cfg.LayerNormElementwiseAffine);
    }

    public OptAttention SelfAttn { get; }
    public LayerNorm SelfAttnLayerNorm { get; }
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }
    public LayerNorm FinalLayerNorm { get; }

    /// <summary>In checkpoint order, for registration.</summary>
    public override IReadOnlyList<IModule> Modules => [SelfAttn, SelfAttnLayerNorm, Fc1, Fc2, FinalLayerNorm];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]</summary>
    public Tensor Forward(Tensor x, DecoderStep step)
    {
        bool pre = _cfg.DoLayerNormBefore;
        var a = SelfAttn.Forward(pre ? SelfAttnLayerNorm.Forward(x) : x, step); // [batch, seq, hidden]
        a = TensorOps.Add(a, x);
        if (!pre) a = SelfAttnLayerNorm.Forward(a);

        var f = Fc1.Forward(pre ? FinalLayerNorm.Forward(a) : a); // [batch, seq, ffn]
        f = Activations.Apply(_cfg.Activation, f);
        var o = Fc2.Forward(f); // [batch, seq, hidden]
        o = TensorOps.Add(o, a);
        return pre ? o : FinalLayerNorm.Forward(o);
    }
}
