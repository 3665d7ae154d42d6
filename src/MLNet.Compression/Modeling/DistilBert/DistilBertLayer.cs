using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.DistilBert;

/// <summary>
/// One post-LayerNorm block as DistilBERT's TransformerBlock (modeling_distilbert.py):
/// x → MultiHeadSelfAttention (q_lin, k_lin, v_lin, out_lin) → + x → sa_layer_norm,
/// then FFN (lin1 → activation → lin2) → + residual → output_layer_norm.
/// </summary>
internal sealed class DistilBertLayer
{
    private readonly DistilBertConfig _cfg;

    public DistilBertLayer(DistilBertConfig cfg, WeightLoader w, string p)
    {
        _cfg = cfg;
        int d = cfg.Dim;
        Query = w.Linear($"{p}.attention.q_lin", LayerRole.AttentionQuery, d, d);
        Key = w.Linear($"{p}.attention.k_lin", LayerRole.AttentionKey, d, d);
        Value = w.Linear($"{p}.attention.v_lin", LayerRole.AttentionValue, d, d);
        AttentionOutput = w.Linear($"{p}.attention.out_lin", LayerRole.AttentionOutput, d, d);
        AttentionNorm = w.LayerNorm($"{p}.sa_layer_norm", d, DistilBertConfig.LayerNormEps);
        Up = w.Linear($"{p}.ffn.lin1", LayerRole.FfnUp, d, cfg.HiddenDim);
        Down = w.Linear($"{p}.ffn.lin2", LayerRole.FfnDown, cfg.HiddenDim, d);
        OutputNorm = w.LayerNorm($"{p}.output_layer_norm", d, DistilBertConfig.LayerNormEps);
    }

    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear AttentionOutput { get; }
    public LayerNorm AttentionNorm { get; }
    public Linear Up { get; }
    public Linear Down { get; }
    public LayerNorm OutputNorm { get; }

    public IEnumerable<object> Modules() => [Query, Key, Value, AttentionOutput, AttentionNorm, Up, Down, OutputNorm];

    /// <summary>[batch, seq, dim] → [batch, seq, dim]; <paramref name="mask"/> is [batch, seq], 0 = padding.</summary>
    public Tensor Forward(Tensor x, int[] mask)
    {
        var q = Query.Forward(x);  // [batch, seq, dim]
        var k = Key.Forward(x);    // [batch, seq, dim]
        var v = Value.Forward(x);  // [batch, seq, dim]
        // HF divides q by √headDim before q·kᵀ and fills padded keys with finfo.min; the kernel does the same in one step.
        float scale = 1f / MathF.Sqrt(_cfg.HeadDim);
        int heads = q.Dim(-1) / _cfg.HeadDim; // from the weight: head pruning removes heads for real
        var ctx = AttentionKernel.Compute(q, k, v, heads, heads, _cfg.HeadDim, scale, new AttentionMask(mask, false)); // [batch, seq, dim]
        var sa = AttentionOutput.Forward(ctx); // [batch, seq, dim]
        TensorOps.AddInPlace(sa, x);
        sa = AttentionNorm.Forward(sa);        // [batch, seq, dim]
        var inner = Up.Forward(sa);            // [batch, seq, hiddenDim]
        Activations.Apply(_cfg.Activation, inner.Span);
        var ffn = Down.Forward(inner);         // [batch, seq, dim]
        TensorOps.AddInPlace(ffn, sa);
        return OutputNorm.Forward(ffn);        // [batch, seq, dim]
    }
}
