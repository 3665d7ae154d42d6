using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Gpt2;

/// <summary>
/// GPT2Attention (modeling_gpt2.py, v4.36): one fused Conv1D c_attn producing [q | k | v], causal scaled
/// dot-product attention, and the c_proj output projection. Padding keys are masked as HF's additive
/// (1 − mask)·finfo.min does.
/// </summary>
internal sealed class Gpt2Attention : CompositeModule
{
    private readonly Gpt2Config _cfg;
    private readonly int _layerIdx;

    public Gpt2Attention(Gpt2Config cfg, WeightLoader w, string p, int layerIdx)
    {
        _cfg = cfg;
        _layerIdx = layerIdx;
        int h = cfg.HiddenSize;
        // Conv1D stores [in, out]; WeightLoader.Conv1D transposes it to the nn.Linear layout once.
        CAttn = w.Conv1D($"{p}.c_attn", LayerRole.AttentionQkv, h, 3 * h);
        CProj = w.Conv1D($"{p}.c_proj", LayerRole.AttentionOutput, h, h);
    }

    public Linear CAttn { get; }
    public Linear CProj { get; }

    public override IReadOnlyList<IModule> Modules => [CAttn, CProj];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden], attending to the step's cached keys too.</summary>
    public Tensor Forward(Tensor x, DecoderStep step)
    {
        var qkv = CAttn.Forward(x); // [batch, seq, 3·hidden]
        var (q, k, v) = SplitQkv(qkv, _cfg.HiddenSize);
        if (step.Cache is { } cache) (k, v) = cache.Update(_layerIdx, k, v); // [batch, past + seq, hidden] each
        var ctx = AttentionKernel.Compute(q, k, v, _cfg.Heads, _cfg.Heads, _cfg.HeadDim, _cfg.AttentionScale(_layerIdx),
            new AttentionMask(step.KeyMask, Causal: true, PastLength: step.Past)); // [batch, seq, hidden]
        return CProj.Forward(ctx);
    }

    /// <summary>c_attn's output split as HF's split(split_size, dim=2): [batch, seq, 3h] → three [batch, seq, h].</summary>
    private static (Tensor Q, Tensor K, Tensor V) SplitQkv(Tensor qkv, int h)
        => (TensorOps.SliceLast(qkv, 0, h), TensorOps.SliceLast(qkv, h, h), TensorOps.SliceLast(qkv, 2 * h, h)); // [batch, seq, h] each
}

/// <summary>GPT2MLP: c_fc (Conv1D) → activation_function → c_proj (Conv1D).</summary>
internal sealed class Gpt2Mlp : CompositeModule
{
    private readonly Activation _act;

    public Gpt2Mlp(Gpt2Config cfg, WeightLoader w, string p)
    {
        _act = cfg.Activation;
        CFc = w.Conv1D($"{p}.c_fc", LayerRole.FfnUp, cfg.HiddenSize, cfg.InnerSize);
        CProj = w.Conv1D($"{p}.c_proj", LayerRole.FfnDown, cfg.InnerSize, cfg.HiddenSize);
    }

    public Linear CFc { get; }
    public Linear CProj { get; }

    public override IReadOnlyList<IModule> Modules => [CFc, CProj];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]</summary>
    public Tensor Forward(Tensor x)
    {
        var inner = CFc.Forward(x); // [batch, seq, inner]
        inner = Activations.Apply(_act, inner);
        return CProj.Forward(inner);
    }
}

/// <summary>GPT2Block: pre-LayerNorm residual blocks, x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
internal sealed class Gpt2Block : CompositeModule, IDecoderLayer
{
    public Gpt2Block(Gpt2Config cfg, WeightLoader w, string p, int layerIdx)
    {
        Ln1 = w.LayerNorm($"{p}.ln_1", cfg.HiddenSize, cfg.LayerNormEps);
        Attn = new Gpt2Attention(cfg, w, $"{p}.attn", layerIdx);
        Ln2 = w.LayerNorm($"{p}.ln_2", cfg.HiddenSize, cfg.LayerNormEps);
        Mlp = new Gpt2Mlp(cfg, w, $"{p}.mlp");
    }

    public LayerNorm Ln1 { get; }
    public Gpt2Attention Attn { get; }
    public LayerNorm Ln2 { get; }
    public Gpt2Mlp Mlp { get; }

    /// <summary>In checkpoint order, for registration.</summary>
    public override IReadOnlyList<IModule> Modules => [Ln1, Attn, Ln2, Mlp];

    /// <summary>[batch, seq, hidden] → [batch, seq, hidden]</summary>
    public Tensor Forward(Tensor x, DecoderStep step)
    {
        var a = Attn.Forward(Ln1.Forward(x), step); // [batch, seq, hidden]
        a = TensorOps.Add(a, x);
        var m = Mlp.Forward(Ln2.Forward(a)); // [batch, seq, hidden]
        m = TensorOps.Add(m, a);
        return m;
    }
}
