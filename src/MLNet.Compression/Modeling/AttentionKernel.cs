using System.Runtime.Intrinsics;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>What a query may attend to.</summary>
/// <param name="KeyMask">[batch, keyLen], 1 = attend, 0 = padding; null means all keys are real.</param>
/// <param name="Causal">Query i (absolute position i + PastLength) sees keys up to its own position.</param>
/// <param name="PastLength">Keys that precede the queries (a cached past), for causal masking.</param>
public readonly record struct AttentionMask(int[]? KeyMask, bool Causal, int PastLength = 0);

/// <summary>
/// Scaled dot-product attention over heads laid out as [batch, seq, heads·headDim], the layout the projections
/// produce, so no transposes are materialised: each (batch, head) is two strided GEMMs.
/// Grouped-query attention maps query head h to key/value head h / (heads / kvHeads).
/// Masked scores are set to float.MinValue, as Hugging Face adds finfo.min, so a fully masked row becomes uniform rather than NaN.
/// </summary>
public static class AttentionKernel
{
    /// <summary>
    /// Up to this many queries (a decoding step over a key/value cache) a head's two products are dot products and
    /// scaled row sums over the strided keys and values: a GEMM would pack all past keys for one query row, which made
    /// a step's cost grow with the prefix.
    /// </summary>
    private const int DirectQueries = 4;

    /// <param name="q">[batch, tq, heads·headDim]</param>
    /// <param name="k">[batch, tk, kvHeads·headDim]</param>
    /// <param name="v">[batch, tk, kvHeads·headDim]</param>
    /// <param name="positionBias">optional additive bias [1 or batch, heads, tq, tk] (T5 relative positions)</param>
    /// <returns>[batch, tq, heads·headDim]</returns>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, int heads, int kvHeads, int headDim, float scale,
        AttentionMask mask, Tensor? positionBias = null)
    {
        if (Tensors.Autograd.Tape.Current is { } tape)
        {
            if (mask.PastLength != 0) throw new InvalidOperationException("Attention over a key/value cache cannot be recorded for training; run the whole sequence.");
            return tape.Out(tape.Attention(tape.Of(q), tape.Of(k), tape.Of(v), heads, kvHeads, headDim, scale, mask.KeyMask, mask.Causal,
                positionBias is null ? null : tape.Of(positionBias)));
        }
        int batch = q.Dim(0), tq = q.Dim(1), tk = k.Dim(1);
        if (heads % kvHeads != 0) throw new ArgumentException($"{heads} attention heads cannot share {kvHeads} key/value heads.");
        int group = heads / kvHeads;
        int qStride = heads * headDim, kvStride = kvHeads * headDim;
        var output = Tensor.Zeros(batch, tq, qStride);
        float[] qd = q.Data, kd = k.Data, vd = v.Data, od = output.Data;
        int[]? keyMask = mask.KeyMask;
        int biasBatch = positionBias?.Dim(0) ?? 0;
        float[]? bd = positionBias?.Data;

        void Head(int index, float[] scores)
        {
            int b = index / heads, h = index % heads, kvh = h / group;
            var qs = qd.AsSpan(b * tq * qStride + h * headDim);
            var ks = kd.AsSpan(b * tk * kvStride + kvh * headDim);
            var vs = vd.AsSpan(b * tk * kvStride + kvh * headDim);
            var sc = scores.AsSpan(0, tq * tk);
            bool decoding = tq <= DirectQueries;
            // scores[tq, tk] = scale · Q_bh · K_bhᵀ
            if (decoding)
                for (int i = 0; i < tq; i++)
                {
                    var qi = qs.Slice(i * qStride, headDim);
                    for (int j = 0; j < tk; j++) sc[i * tk + j] = scale * Dot(qi, ks.Slice(j * kvStride, headDim));
                }
            else
                ComputeBackend.Current.Sgemm(false, true, tq, tk, headDim, scale, qs, qStride, ks, kvStride, 0f, sc, tk);
            if (bd is not null)
            {
                var bias = bd.AsSpan(((biasBatch == 1 ? 0 : b) * heads + h) * tq * tk, tq * tk);
                System.Numerics.Tensors.TensorPrimitives.Add(sc, bias, sc);
            }
            for (int i = 0; i < tq; i++)
            {
                var row = sc.Slice(i * tk, tk);
                if (keyMask is not null)
                    for (int j = 0; j < tk; j++) if (keyMask[b * tk + j] == 0) row[j] = float.MinValue;
                if (mask.Causal)
                    for (int j = mask.PastLength + i + 1; j < tk; j++) row[j] = float.MinValue;
                TensorOps.SoftmaxRow(row);
            }
            // out_bh[tq, headDim] = P · V_bh
            if (decoding)
                for (int i = 0; i < tq; i++)
                {
                    var oi = od.AsSpan(b * tq * qStride + i * qStride + h * headDim, headDim);   // zero: a fresh output
                    for (int j = 0; j < tk; j++) MultiplyAdd(vs.Slice(j * kvStride, headDim), sc[i * tk + j], oi);
                }
            else
                ComputeBackend.Current.Sgemm(false, false, tq, headDim, tk, 1f, sc, tk, vs, kvStride, 0f,
                    od.AsSpan(b * tq * qStride + h * headDim), qStride);
        }

        int work = batch * heads;
        if (work == 1 || (long)tq * tk * headDim < 16_384)
        {
            var scores = new float[tq * tk];
            for (int i = 0; i < work; i++) Head(i, scores);
        }
        else
        {
            Parallel.For(0, work, () => new float[tq * tk], (i, _, scores) => { Head(i, scores); return scores; }, _ => { });
        }
        return output;
    }

    /// <summary>Σ a·b over one head's channels; inlined vectors for the usual head sizes (multiples of 16).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || a.Length % 16 != 0) return System.Numerics.Tensors.TensorPrimitives.Dot(a, b);
        var acc = System.Runtime.Intrinsics.Vector512<float>.Zero;
        ref float ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        for (int i = 0; i < a.Length; i += 16)
            acc = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref ra, (nuint)i),
                System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref rb, (nuint)i), acc);
        return System.Runtime.Intrinsics.Vector512.Sum(acc);
    }

    /// <summary>o += p·v over one head's channels.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAdd(ReadOnlySpan<float> v, float p, Span<float> o)
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || v.Length % 16 != 0)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(v, p, o, o);
            return;
        }
        var pv = System.Runtime.Intrinsics.Vector512.Create(p);
        ref float rv = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(v);
        ref float ro = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(o);
        for (int i = 0; i < v.Length; i += 16)
            System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref rv, (nuint)i), pv,
                System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref ro, (nuint)i)).StoreUnsafe(ref ro, (nuint)i);
    }
}
