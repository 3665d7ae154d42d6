using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors.Autograd;

/// <summary>Scaled dot-product attention (padding and causal masks, grouped-query heads, additive position bias, cross-attention), masked softmax and rotary embeddings.</summary>
public sealed partial class Tape
{
    /// <summary>
    /// softmax(scale·Q·Kᵀ + B + mask)·V per (batch, head), heads read in place from the [batch, seq, heads·headDim]
    /// projections as <see cref="Modeling.AttentionKernel"/> does; query head h uses key/value head h / (heads / kvHeads).
    /// The scores are S = scale·Q·Kᵀ plus the optional additive position bias B (T5's relative positions); then padded
    /// keys and keys after the query (causal) are set to float.MinValue (Hugging Face adds finfo.min), then softmax by rows.
    /// Queries and keys may differ in length (cross-attention: decoder queries over encoder keys and values).
    /// The probabilities P are kept for the backward pass:
    /// ∂V = Pᵀ·∂O, ∂P = ∂O·Vᵀ, ∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)), ∂Q = scale·∂S·K, ∂K = scale·∂Sᵀ·Q, ∂B = ∂S
    /// (summed over the batch when B has batch dimension 1).
    /// </summary>
    /// <param name="q">[batch, tq, heads·headDim]</param>
    /// <param name="k">[batch, tk, kvHeads·headDim]</param>
    /// <param name="v">[batch, tk, kvHeads·headDim]</param>
    /// <param name="keyMask">[batch, tk], 1 = attend, 0 = padding; null when every key is real.</param>
    /// <param name="causal">Query i sees keys 0..i (no cached past: key j and query i share the position origin).</param>
    /// <param name="positionBias">[1 or batch, heads, tq, tk] added to the scaled scores before the masks; null for none.</param>
    /// <returns>[batch, tq, heads·headDim]</returns>
    public Variable Attention(Variable q, Variable k, Variable v, int heads, int kvHeads, int headDim, float scale, int[]? keyMask, bool causal,
        Variable? positionBias = null)
    {
        int batch = q.Value.Dim(0), tq = q.Value.Dim(1), tk = k.Value.Dim(1);
        if (heads % kvHeads != 0) throw new ArgumentException($"Attention: {heads} heads cannot share {kvHeads} key/value heads.");
        int group = heads / kvHeads, qStride = heads * headDim, kvStride = kvHeads * headDim;
        if (q.Value.Length != batch * tq * qStride || k.Value.Length != batch * tk * kvStride || v.Value.Length != k.Value.Length
            || k.Value.Dim(0) != batch)
            throw new ArgumentException($"Attention: q {q.Value}, k {k.Value}, v {v.Value} do not fit {heads}/{kvHeads} heads of {headDim}.");
        if (keyMask is not null && keyMask.Length != batch * tk)
            throw new ArgumentException($"Attention: key mask has {keyMask.Length} entries, expected batch·keys = {batch * tk}.");
        int biasBatch = 0;
        if (positionBias is not null)
        {
            var bs = positionBias.Shape;
            biasBatch = bs.Length == 4 ? bs[0] : -1;
            if (bs.Length != 4 || (biasBatch != 1 && biasBatch != batch) || bs[1] != heads || bs[2] != tq || bs[3] != tk)
                throw new ArgumentException($"Attention: position bias {positionBias.Value} is not [1 or {batch}, {heads}, {tq}, {tk}].");
        }
        var output = Allocate([batch, tq, qStride], zero: false); // [batch, tq, heads·headDim]
        var probs = Allocate([batch, heads, tq, tk], zero: false); // [batch, heads, tq, tk]
        float[] qd = q.Value.Data, kd = k.Value.Data, vd = v.Value.Data, od = output.Data, pd = probs.Data;
        float[]? bd = positionBias?.Value.Data;

        ParallelOver(batch * heads, (long)tq * tk * headDim, index =>
        {
            int b = index / heads, h = index % heads, kvh = h / group;
            var p = pd.AsSpan(index * tq * tk, tq * tk);
            // P[tq, tk] = scale · Q_bh · K_bhᵀ (+ B_bh), then masked softmax by rows
            ComputeBackend.Current.Sgemm(false, true, tq, tk, headDim, scale, qd.AsSpan(b * tq * qStride + h * headDim), qStride,
                kd.AsSpan(b * tk * kvStride + kvh * headDim), kvStride, 0f, p, tk);
            if (bd is not null) TensorPrimitives.Add(p, bd.AsSpan(((biasBatch == 1 ? 0 : b) * heads + h) * tq * tk, tq * tk), p);
            for (int i = 0; i < tq; i++) MaskedSoftmaxRow(p.Slice(i * tk, tk), keyMask, b * tk, causal ? i : -1);
            // O_bh[tq, headDim] = P · V_bh
            ComputeBackend.Current.Sgemm(false, false, tq, headDim, tk, 1f, p, tk, vd.AsSpan(b * tk * kvStride + kvh * headDim), kvStride, 0f,
                od.AsSpan(b * tq * qStride + h * headDim), qStride);
        });

        bool biasGrad = positionBias is not null && positionBias.RequiresGrad;
        bool needs = q.RequiresGrad || k.RequiresGrad || v.RequiresGrad || biasGrad;
        return Record(output, needs, r =>
        {
            float[] g = r.Grad!.Data;
            float[]? gq = q.RequiresGrad ? q.GradForAccumulate(this).Data : null;
            float[]? gk = k.RequiresGrad ? k.GradForAccumulate(this).Data : null;
            float[]? gv = v.RequiresGrad ? v.GradForAccumulate(this).Data : null;
            // ∂S: one [tq, tk] buffer per work item, or, when the bias needs its gradient, one per (batch, head) so the
            // batch sum into a shared [1, heads, tq, tk] bias runs after the parallel loop in a fixed order.
            var scores = biasGrad
                ? Allocate([batch, heads, tq, tk], zero: false).Data   // [batch, heads, tq, tk]
                : Allocate([batch * kvHeads, tq * tk], zero: false).Data; // [batch·kvHeads, tq·tk]
            // One work item per (batch, kv head): the query heads sharing a kv head add into the same ∂K, ∂V rows.
            ParallelOver(batch * kvHeads, (long)group * tq * tk * headDim, item =>
            {
                int b = item / kvHeads, kvh = item % kvHeads;
                var ks = kd.AsSpan(b * tk * kvStride + kvh * headDim);
                var vs = vd.AsSpan(b * tk * kvStride + kvh * headDim);
                for (int h = kvh * group; h < (kvh + 1) * group; h++)
                {
                    var p = pd.AsSpan((b * heads + h) * tq * tk, tq * tk);
                    var go = g.AsSpan(b * tq * qStride + h * headDim);
                    if (gv is not null)
                        ComputeBackend.Current.Sgemm(true, false, tk, headDim, tq, 1f, p, tk, go, qStride, 1f, gv.AsSpan(b * tk * kvStride + kvh * headDim), kvStride);
                    if (gq is null && gk is null && !biasGrad) continue;
                    var ds = scores.AsSpan((biasGrad ? b * heads + h : item) * tq * tk, tq * tk);
                    // ∂P[tq, tk] = ∂O · Vᵀ
                    ComputeBackend.Current.Sgemm(false, true, tq, tk, headDim, 1f, go, qStride, vs, kvStride, 0f, ds, tk);
                    for (int i = 0; i < tq; i++)
                    {
                        var pr = p.Slice(i * tk, tk);
                        var dr = ds.Slice(i * tk, tk);
                        float dot = TensorPrimitives.Dot(pr, dr);
                        TensorPrimitives.Subtract(dr, dot, dr);
                        TensorPrimitives.Multiply(dr, pr, dr);
                    }
                    if (gq is not null)
                        ComputeBackend.Current.Sgemm(false, false, tq, headDim, tk, scale, ds, tk, ks, kvStride, 1f, gq.AsSpan(b * tq * qStride + h * headDim), qStride);
                    if (gk is not null)
                        ComputeBackend.Current.Sgemm(true, false, tk, headDim, tq, scale, ds, tk, qd.AsSpan(b * tq * qStride + h * headDim), qStride, 1f,
                            gk.AsSpan(b * tk * kvStride + kvh * headDim), kvStride);
                }
            });
            if (biasGrad)
            {
                // ∂B[bb, heads, tq, tk] += ∂S[b, heads, tq, tk], bb = b (per-example bias) or 0 (one bias for the batch)
                var gb = positionBias!.GradForAccumulate(this).Span;
                int block = heads * tq * tk;
                for (int b = 0; b < batch; b++)
                {
                    var dst = gb.Slice((biasBatch == 1 ? 0 : b) * block, block);
                    TensorPrimitives.Add(dst, scores.AsSpan(b * block, block), dst);
                }
            }
        });
    }

    /// <summary>
    /// Softmax over the last dimension of x viewed as [batch, groups, tq, tk] (groups may be 1), with an optional key
    /// mask [batch, tk] and causal mask, as attention applies them. Backward: ∂x = y ⊙ (∂y − rowsum(∂y ⊙ y)).
    /// </summary>
    public Variable Softmax(Variable x, int batch, int[]? keyMask = null, bool causal = false)
    {
        int tk = x.Value.Dim(-1), rows = x.Value.Rows;
        int tq = x.Value.Rank >= 2 ? x.Value.Dim(-2) : 1;
        if (rows % batch != 0) throw new ArgumentException($"Softmax: {x.Value} does not split into {batch} batches.");
        if (keyMask is not null && keyMask.Length != batch * tk)
            throw new ArgumentException($"Softmax: key mask has {keyMask.Length} entries, expected batch·keys = {batch * tk}.");
        int rowsPerBatch = rows / batch;
        var y = Allocate(x.Shape, zero: false); // x's shape
        x.Value.ReadOnlySpan.CopyTo(y.Span);
        var ys = y.Span;
        for (int r = 0; r < rows; r++)
            MaskedSoftmaxRow(ys.Slice(r * tk, tk), keyMask, r / rowsPerBatch * tk, causal ? r % tq : -1);
        return Record(y, x.RequiresGrad, res =>
        {
            var gx = x.GradForAccumulate(this).Span;
            var g = res.Grad!.ReadOnlySpan;
            var yv = y.ReadOnlySpan;
            for (int r = 0; r < rows; r++)
            {
                var yr = yv.Slice(r * tk, tk);
                var gr = g.Slice(r * tk, tk);
                float dot = TensorPrimitives.Dot(yr, gr);
                var dst = gx.Slice(r * tk, tk);
                for (int j = 0; j < tk; j++) dst[j] += yr[j] * (gr[j] - dot);
            }
        });
    }

    /// <summary>
    /// Rotary position embeddings in the rotate_half layout (Llama, GPT-NeoX) on x [batch, seq, heads·headDim].
    /// Only the first <see cref="Tensors.Rotary.RotaryDim"/> channels of each head rotate (GPT-NeoX's partial rotary);
    /// the rest pass through, and so do their gradients.
    /// The rotation is orthogonal, so the backward pass rotates the gradient by the opposite angle (negated positions).
    /// </summary>
    public Variable Rotary(Variable x, Rotary rotary, int[] positions, int heads, int headDim)
    {
        int batch = x.Value.Dim(0), seq = x.Value.Dim(1);
        if (positions.Length != batch * seq) throw new ArgumentException($"Rotary: {positions.Length} positions for {batch}×{seq} tokens.");
        var y = Allocate(x.Shape, zero: false); // [batch, seq, heads·headDim]
        x.Value.ReadOnlySpan.CopyTo(y.Span);
        rotary.Rotate(y.Span, batch, seq, heads, headDim, positions);
        return Record(y, x.RequiresGrad, r =>
        {
            var back = Allocate(x.Shape, zero: false); // [batch, seq, heads·headDim]
            r.Grad!.ReadOnlySpan.CopyTo(back.Span);
            var negated = new int[positions.Length];
            for (int i = 0; i < negated.Length; i++) negated[i] = -positions[i];
            rotary.Rotate(back.Span, batch, seq, heads, headDim, negated);
            var gx = x.GradForAccumulate(this).Span;
            TensorPrimitives.Add(gx, back.ReadOnlySpan, gx);
        });
    }

    /// <summary>In-place softmax of one score row; masked keys (padding, or past <paramref name="lastVisible"/> when ≥ 0) get float.MinValue first.</summary>
    private static void MaskedSoftmaxRow(Span<float> row, int[]? keyMask, int maskOffset, int lastVisible)
    {
        if (keyMask is not null)
            for (int j = 0; j < row.Length; j++) if (keyMask[maskOffset + j] == 0) row[j] = float.MinValue;
        if (lastVisible >= 0)
            for (int j = lastVisible + 1; j < row.Length; j++) row[j] = float.MinValue;
        TensorOps.SoftmaxRow(row);
    }

    /// <summary>Runs independent work items on the cores when each is big enough to pay for the hand-off.</summary>
    private static void ParallelOver(int items, long workPerItem, Action<int> body)
    {
        if (items == 1 || workPerItem * items < 1 << 16)
            for (int i = 0; i < items; i++) body(i);
        else
            Parallel.For(0, items, body);
    }
}
