using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors.Autograd;

/// <summary>Linear layers (nn.Linear and GPT-2's Conv1D) and embedding lookups.</summary>
public sealed partial class Tape
{
    /// <summary>
    /// y = x·Wᵀ + b for an nn.Linear weight W [out, in], or y = x·W + b for a Conv1D weight W [in, out]
    /// (<paramref name="conv1D"/>; GPT-2 keeps that layout in its checkpoint, and so do its gradients).
    /// x is [.., in]; y is [.., out]. The forward and both backward products are one <see cref="IComputeBackend.Sgemm"/> call on <see cref="ComputeBackend.Current"/> each:
    /// ∂x = ∂y·W (or ∂y·Wᵀ), ∂W = ∂yᵀ·x (or xᵀ·∂y), ∂b = Σ_rows ∂y.
    /// </summary>
    public Variable Linear(Variable x, Variable w, Variable? b = null, bool conv1D = false)
    {
        int inF = x.Value.Dim(-1);
        int outF = conv1D ? w.Value.Dim(1) : w.Value.Dim(0);
        int wIn = conv1D ? w.Value.Dim(0) : w.Value.Dim(1);
        if (w.Value.Rank != 2 || wIn != inF)
            throw new ArgumentException($"Linear: input {x.Value} does not fit weight {w}{(conv1D ? " (Conv1D [in, out])" : " ([out, in])")}.");
        if (b is not null && b.Value.Length != outF)
            throw new ArgumentException($"Linear: bias {b} does not have {outF} elements.");
        int rows = x.Value.Rows;
        var shape = (int[])x.Shape.Clone();
        shape[^1] = outF;
        var y = Allocate(shape, zero: false); // [.., out]
        // Conv1D: B = W stored [k = in, n = out], used as is; nn.Linear: B = W stored [n = out, k = in], transposed.
        ComputeBackend.Current.Sgemm(false, !conv1D, rows, outF, inF, 1f, x.Value.ReadOnlySpan, inF, w.Value.ReadOnlySpan, conv1D ? outF : inF, 0f, y.Span, outF);
        if (b is not null)
        {
            var ys = y.Span;
            var bs = b.Value.ReadOnlySpan;
            for (int off = 0; off < ys.Length; off += outF) TensorPrimitives.Add(ys.Slice(off, outF), bs, ys.Slice(off, outF));
        }
        bool needs = x.RequiresGrad || w.RequiresGrad || (b?.RequiresGrad ?? false);
        return Record(y, needs, r =>
        {
            var g = r.Grad!.ReadOnlySpan; // [rows, out]
            if (x.RequiresGrad)
            {
                var gx = x.GradForAccumulate(this).Span; // [rows, in]
                if (conv1D) ComputeBackend.Current.Sgemm(false, true, rows, inF, outF, 1f, g, outF, w.Value.ReadOnlySpan, outF, 1f, gx, inF);
                else ComputeBackend.Current.Sgemm(false, false, rows, inF, outF, 1f, g, outF, w.Value.ReadOnlySpan, inF, 1f, gx, inF);
            }
            if (w.RequiresGrad)
            {
                var gw = w.GradForAccumulate(this).Span;
                if (conv1D) ComputeBackend.Current.Sgemm(true, false, inF, outF, rows, 1f, x.Value.ReadOnlySpan, inF, g, outF, 1f, gw, outF); // [in, out]
                else ComputeBackend.Current.Sgemm(true, false, outF, inF, rows, 1f, g, outF, x.Value.ReadOnlySpan, inF, 1f, gw, inF);      // [out, in]
            }
            if (b is not null && b.RequiresGrad)
            {
                var gb = b.GradForAccumulate(this).Span;
                for (int off = 0; off < g.Length; off += outF) TensorPrimitives.Add(gb, g.Slice(off, outF), gb);
            }
        });
    }

    /// <summary>
    /// Rows of a [vocab, dim] table: result [ids.Length, dim]. The backward pass scatter-adds into the table's gradient,
    /// so rows never looked up get exactly zero, as in PyTorch.
    /// </summary>
    public Variable Embedding(Variable table, int[] ids)
    {
        int vocab = table.Value.Dim(0), dim = table.Value.Dim(1);
        var y = Allocate([ids.Length, dim], zero: false); // [ids, dim]
        var src = table.Value.ReadOnlySpan;
        var dst = y.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} at position {i} is outside the embedding table {table.Name ?? ""} of {vocab} rows.");
            src.Slice(id * dim, dim).CopyTo(dst.Slice(i * dim, dim));
        }
        return Record(y, table.RequiresGrad, r =>
        {
            var gt = table.GradForAccumulate(this).Span;
            var g = r.Grad!.ReadOnlySpan;
            for (int i = 0; i < ids.Length; i++)
            {
                var row = gt.Slice(ids[i] * dim, dim);
                TensorPrimitives.Add(row, g.Slice(i * dim, dim), row);
            }
        });
    }
}
