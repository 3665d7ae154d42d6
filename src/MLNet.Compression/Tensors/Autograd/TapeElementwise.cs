using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors.Autograd;

/// <summary>Elementwise ops and views: add and multiply with broadcasting, scaling, reshape, column slices, row and element gathers.</summary>
public sealed partial class Tape
{
    /// <summary>
    /// a + b where b has a's shape or broadcasts over a's leading dimensions (b's shape is a suffix of a's, e.g. a bias
    /// [n] over [rows, n]). Result has a's shape.
    /// </summary>
    public Variable Add(Variable a, Variable b)
    {
        int inner = CheckBroadcast(a, b, nameof(Add));
        var y = Allocate(a.Shape, zero: false); // a's shape
        var ys = y.Span;
        var av = a.Value.ReadOnlySpan;
        var bv = b.Value.ReadOnlySpan;
        for (int off = 0; off < ys.Length; off += inner)
            TensorPrimitives.Add(av.Slice(off, inner), bv, ys.Slice(off, inner));
        return Record(y, a.RequiresGrad || b.RequiresGrad, r =>
        {
            var g = r.Grad!.ReadOnlySpan;
            if (a.RequiresGrad) TensorPrimitives.Add(a.GradForAccumulate(this).ReadOnlySpan, g, a.Grad!.Span);
            if (b.RequiresGrad)
            {
                var gb = b.GradForAccumulate(this).Span;
                for (int off = 0; off < g.Length; off += inner) TensorPrimitives.Add(gb, g.Slice(off, inner), gb);
            }
        });
    }

    /// <summary>a ⊙ b, with b of a's shape or broadcast over a's leading dimensions as in <see cref="Add"/>.</summary>
    public Variable Mul(Variable a, Variable b)
    {
        int inner = CheckBroadcast(a, b, nameof(Mul));
        var y = Allocate(a.Shape, zero: false); // a's shape
        var ys = y.Span;
        var av = a.Value.ReadOnlySpan;
        var bv = b.Value.ReadOnlySpan;
        for (int off = 0; off < ys.Length; off += inner)
            TensorPrimitives.Multiply(av.Slice(off, inner), bv, ys.Slice(off, inner));
        return Record(y, a.RequiresGrad || b.RequiresGrad, r =>
        {
            var g = r.Grad!.ReadOnlySpan;
            var av2 = a.Value.ReadOnlySpan;
            var bv2 = b.Value.ReadOnlySpan;
            if (a.RequiresGrad)
            {
                var ga = a.GradForAccumulate(this).Span;
                // ∂/∂a = g ⊙ b
                for (int off = 0; off < g.Length; off += inner)
                    TensorPrimitives.MultiplyAdd(g.Slice(off, inner), bv2, ga.Slice(off, inner), ga.Slice(off, inner));
            }
            if (b.RequiresGrad)
            {
                var gb = b.GradForAccumulate(this).Span;
                // ∂/∂b = Σ over broadcast rows of g ⊙ a
                for (int off = 0; off < g.Length; off += inner)
                    TensorPrimitives.MultiplyAdd(g.Slice(off, inner), av2.Slice(off, inner), gb, gb);
            }
        });
    }

    /// <summary>x · factor.</summary>
    public Variable Scale(Variable x, float factor)
    {
        var y = Allocate(x.Shape, zero: false); // x's shape
        TensorPrimitives.Multiply(x.Value.ReadOnlySpan, factor, y.Span);
        return Record(y, x.RequiresGrad, r =>
        {
            var gx = x.GradForAccumulate(this).Span;
            TensorPrimitives.MultiplyAdd(r.Grad!.ReadOnlySpan, factor, gx, gx);
        });
    }

    /// <summary>The same elements under another shape (one dimension may be −1); the value is a view, not a copy.</summary>
    public Variable Reshape(Variable x, params int[] shape)
    {
        var y = x.Value.Reshape(shape); // shape
        return Record(y, x.RequiresGrad, r =>
        {
            var gx = x.GradForAccumulate(this).Span;
            TensorPrimitives.Add(gx, r.Grad!.ReadOnlySpan, gx);
        });
    }

    /// <summary>Columns [start, start + count) of the last dimension: [.., n] → [.., count] (GPT-2's split of c_attn into q, k, v).</summary>
    public Variable SliceLast(Variable x, int start, int count)
    {
        int n = x.Value.Dim(-1);
        if (start < 0 || count < 0 || start + count > n)
            throw new ArgumentException($"SliceLast: columns [{start}, {start + count}) are outside the last dimension {n} of {x.Value}.");
        var shape = (int[])x.Shape.Clone();
        shape[^1] = count;
        var y = Allocate(shape, zero: false); // [.., count]
        int rows = x.Value.Rows;
        var xs = x.Value.ReadOnlySpan;
        var ys = y.Span;
        for (int r = 0; r < rows; r++) xs.Slice(r * n + start, count).CopyTo(ys.Slice(r * count, count));
        return Record(y, x.RequiresGrad, res =>
        {
            var gx = x.GradForAccumulate(this).Span;
            var g = res.Grad!.ReadOnlySpan;
            for (int r = 0; r < rows; r++)
            {
                var dst = gx.Slice(r * n + start, count);
                TensorPrimitives.Add(dst, g.Slice(r * count, count), dst);
            }
        });
    }

    /// <summary>
    /// Rows of x viewed as [rows, n], picked by index: [rows, n] → [indices.Length, n]. Lets a loss compute the vocabulary
    /// projection only where a label is (the masked positions of a masked LM).
    /// </summary>
    public Variable GatherRows(Variable x, int[] indices)
    {
        int n = x.Value.Dim(-1), rows = x.Value.Rows;
        var y = Allocate([indices.Length, n], zero: false); // [indices, n]
        var xs = x.Value.ReadOnlySpan;
        var ys = y.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(indices), $"GatherRows: row {r} at {i} is outside {rows} rows.");
            xs.Slice(r * n, n).CopyTo(ys.Slice(i * n, n));
        }
        return Record(y, x.RequiresGrad, res =>
        {
            var gx = x.GradForAccumulate(this).Span;
            var g = res.Grad!.ReadOnlySpan;
            for (int i = 0; i < indices.Length; i++)
            {
                var dst = gx.Slice(indices[i] * n, n);
                TensorPrimitives.Add(dst, g.Slice(i * n, n), dst);
            }
        });
    }

    /// <summary>
    /// Elements of <paramref name="table"/> picked by flat index: out.flat[i] = table.flat[index[i]], the result shaped
    /// <paramref name="shape"/> (whose product is index.Length). The backward pass scatter-adds into the table's gradient,
    /// so repeated indices accumulate (torch.Tensor.index_add_ semantics). T5 builds its relative-position bias
    /// [1, heads, tq, tk] this way from the [buckets, heads] embedding with index (b, h, i, j) → bucket(j − i)·heads + h.
    /// </summary>
    public Variable GatherElements(Variable table, int[] index, params int[] shape)
    {
        long size = Tensor.ShapeSize(shape);
        if (size != index.Length)
            throw new ArgumentException($"GatherElements: shape [{string.Join(", ", shape)}] holds {size} elements, but {index.Length} indices were given.");
        int n = table.Value.Length;
        var y = Allocate(shape, zero: false); // shape
        var src = table.Value.ReadOnlySpan;
        var dst = y.Span;
        for (int i = 0; i < index.Length; i++)
        {
            int e = index[i];
            if ((uint)e >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(index), $"GatherElements: index {e} at position {i} is outside the table {(table.Name is null ? "" : table.Name + " ")}{table.Value} of {n} elements.");
            dst[i] = src[e];
        }
        return Record(y, table.RequiresGrad, r =>
        {
            var gt = table.GradForAccumulate(this).Span;
            var g = r.Grad!.ReadOnlySpan;
            for (int i = 0; i < index.Length; i++) gt[index[i]] += g[i];
        });
    }

    /// <returns>The length of b, the block that repeats across a.</returns>
    private static int CheckBroadcast(Variable a, Variable b, string op)
    {
        int ra = a.Shape.Length, rb = b.Shape.Length;
        bool ok = rb <= ra;
        for (int i = 1; ok && i <= rb; i++) ok = a.Shape[ra - i] == b.Shape[rb - i];
        if (!ok || b.Value.Length == 0)
            throw new ArgumentException($"{op}: {b.Value} does not broadcast over {a.Value} (its shape must be a suffix of the other's).");
        return b.Value.Length;
    }
}
