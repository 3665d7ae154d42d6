using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors;

/// <summary>Elementwise ops, reductions and normalisations over the last dimension.</summary>
public static class TensorOps
{
    /// <summary>x += y, same shape (not while a tape records: use <see cref="Add"/>).</summary>
    public static void AddInPlace(Tensor x, Tensor y)
    {
        Autograd.Tape.ForbidInPlace("TensorOps.AddInPlace");
        if (x.Length != y.Length) throw new ArgumentException($"AddInPlace: {x} and {y} differ in size.");
        TensorPrimitives.Add(x.ReadOnlySpan, y.ReadOnlySpan, x.Span);
    }

    /// <summary>x[.., n] += bias[n] (broadcast over the rows).</summary>
    public static void AddRowVector(Tensor x, ReadOnlySpan<float> bias)
    {
        Autograd.Tape.ForbidInPlace("TensorOps.AddRowVector");
        int n = bias.Length;
        if (x.Dim(-1) != n) throw new ArgumentException($"AddRowVector: last dim of {x} is not {n}.");
        var s = x.Span;
        for (int off = 0; off < s.Length; off += n)
            TensorPrimitives.Add(s.Slice(off, n), bias, s.Slice(off, n));
    }

    // The consuming ops below return their result in the first argument's storage at inference, and a new tensor on the
    // tape while one records (Autograd.Tape.Current), so model code written once as "x = Op(x, …)" both runs and trains.

    /// <summary>
    /// A tensor a consuming op may take without changing x: at inference a copy; on a recording tape x itself (the tape's
    /// ops never write into their inputs).
    /// </summary>
    public static Tensor Copy(Tensor x) => Autograd.Tape.Current is null ? x.Clone() : x; // x's shape

    /// <summary>x + y (y the same shape as x, or a suffix of it broadcast over the leading dimensions), consuming x.</summary>
    public static Tensor Add(Tensor x, Tensor y) // x's shape
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.Add(tape.Of(x), tape.Of(y.Length == x.Length ? y.Reshape(x.Shape) : y)));
        if (x.Length == y.Length) TensorPrimitives.Add(x.ReadOnlySpan, y.ReadOnlySpan, x.Span);
        else if (y.Length > 0 && x.Length % y.Length == 0 && x.Dim(-1) == y.Dim(-1))
        {
            var s = x.Span;
            for (int off = 0; off < s.Length; off += y.Length) TensorPrimitives.Add(s.Slice(off, y.Length), y.ReadOnlySpan, s.Slice(off, y.Length));
        }
        else throw new ArgumentException($"Add: {y} does not broadcast over {x}.");
        return x;
    }

    /// <summary>x ⊙ y elementwise (same shape), consuming x.</summary>
    public static Tensor Multiply(Tensor x, Tensor y) // x's shape
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.Mul(tape.Of(x), tape.Of(y)));
        if (x.Length != y.Length) throw new ArgumentException($"Multiply: {x} and {y} differ in size.");
        TensorPrimitives.Multiply(x.ReadOnlySpan, y.ReadOnlySpan, x.Span);
        return x;
    }

    /// <summary>x · factor, consuming x.</summary>
    public static Tensor Scale(Tensor x, float factor) // x's shape
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.Scale(tape.Of(x), factor));
        TensorPrimitives.Multiply(x.ReadOnlySpan, factor, x.Span);
        return x;
    }

    /// <summary>Columns [start, start + count) of the last dimension, as a new tensor: [.., n] → [.., count].</summary>
    public static Tensor SliceLast(Tensor x, int start, int count)
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.SliceLast(tape.Of(x), start, count));
        int n = x.Dim(-1);
        if (start < 0 || count < 0 || start + count > n)
            throw new ArgumentException($"SliceLast: columns [{start}, {start + count}) are outside the last dimension {n} of {x}.");
        var shape = (int[])x.Shape.Clone();
        shape[^1] = count;
        var y = Tensor.Zeros(shape); // [.., count]
        var xs = x.ReadOnlySpan;
        var ys = y.Span;
        for (int r = 0, rows = x.Rows; r < rows; r++) xs.Slice(r * n + start, count).CopyTo(ys.Slice(r * count, count));
        return y;
    }

    /// <summary>Rows of x viewed as [rows, n], picked by index: a new [indices.Length, n].</summary>
    public static Tensor GatherRows(Tensor x, int[] indices)
    {
        int n = x.Dim(-1), rows = x.Rows;
        foreach (int r in indices)
            if ((uint)r >= (uint)rows) throw new ArgumentOutOfRangeException(nameof(indices), $"row {r} is outside the {rows} rows of {x}.");
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.GatherRows(tape.Of(x), indices));
        var y = Tensor.Zeros(indices.Length, n); // [indices, n]
        for (int i = 0; i < indices.Length; i++) x.ReadOnlySpan.Slice(indices[i] * n, n).CopyTo(y.Span.Slice(i * n, n));
        return y;
    }

    /// <summary>LayerNorm over the last dimension; a fresh tensor of x's shape.</summary>
    public static Tensor LayerNorm(Tensor x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps)
    {
        Autograd.Tape.ForbidInPlace("TensorOps.LayerNorm over spans (use the LayerNorm module)");
        var y = Tensor.Zeros(x.Shape);
        LayerNormInto(x.ReadOnlySpan, y.Span, x.Dim(-1), weight, bias, eps);
        return y;
    }

    /// <summary>
    /// Mean and (biased) variance accumulated in double: PyTorch's CPU LayerNorm uses a float accumulator with
    /// pairwise/Welford summation, so double keeps us within float32 rounding of it for any width.
    /// An empty weight or bias means no affine part (elementwise_affine = False).
    /// </summary>
    public static void LayerNormInto(ReadOnlySpan<float> x, Span<float> y, int n, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps)
    {
        for (int off = 0; off < x.Length; off += n)
        {
            var row = x.Slice(off, n);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += row[i];
            double mean = sum / n;
            double var = 0;
            for (int i = 0; i < n; i++) { double d = row[i] - mean; var += d * d; }
            var /= n;
            float inv = (float)(1.0 / Math.Sqrt(var + eps));
            float fm = (float)mean;
            var dst = y.Slice(off, n);
            for (int i = 0; i < n; i++)
            {
                float v = (row[i] - fm) * inv;
                if (!weight.IsEmpty) v *= weight[i];
                if (!bias.IsEmpty) v += bias[i];
                dst[i] = v;
            }
        }
    }

    /// <summary>RMSNorm (Llama, T5): x / sqrt(mean(x²) + eps) * weight; the variance is taken in float32 or better, as both do.</summary>
    public static Tensor RmsNorm(Tensor x, ReadOnlySpan<float> weight, float eps, bool weightPlusOne = false)
    {
        Autograd.Tape.ForbidInPlace("TensorOps.RmsNorm over spans (use the RmsNorm module)");
        int n = x.Dim(-1);
        var y = Tensor.Zeros(x.Shape);
        var src = x.ReadOnlySpan;
        var dst = y.Span;
        for (int off = 0; off < src.Length; off += n)
        {
            var row = src.Slice(off, n);
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double)row[i] * row[i];
            float inv = (float)(1.0 / Math.Sqrt(ss / n + eps));
            var d = dst.Slice(off, n);
            for (int i = 0; i < n; i++) d[i] = row[i] * inv * (weightPlusOne ? 1f + weight[i] : weight[i]);
        }
        return y;
    }

    /// <summary>Softmax over each row of length n, in place. Computed in double like float32 softmax's max-shifted form.</summary>
    public static void SoftmaxRows(Span<float> x, int n)
    {
        for (int off = 0; off < x.Length; off += n)
            SoftmaxRow(x.Slice(off, n));
    }

    public static void SoftmaxRow(Span<float> row)
    {
        float max = TensorPrimitives.Max(row);
        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        float sum = TensorPrimitives.Sum(row);
        TensorPrimitives.Multiply(row, 1f / sum, row);
    }

    /// <summary>log-softmax of one row into dst (dst may alias row).</summary>
    public static void LogSoftmaxRow(ReadOnlySpan<float> row, Span<float> dst)
    {
        float max = TensorPrimitives.Max(row);
        double sum = 0;
        for (int i = 0; i < row.Length; i++) sum += Math.Exp(row[i] - max);
        float lse = (float)(max + Math.Log(sum));
        TensorPrimitives.Subtract(row, lse, dst);
    }

    /// <summary>Gathers rows of a [vocab, dim] table: result [ids.Length, dim]. Out-of-range ids are an error naming the id.</summary>
    public static Tensor Embedding(Tensor table, ReadOnlySpan<int> ids)
    {
        if (Autograd.Tape.Current is { } tape) return tape.Out(tape.Embedding(tape.Of(table), ids.ToArray()));
        int vocab = table.Dim(0), dim = table.Dim(1);
        var y = Tensor.Zeros(ids.Length, dim);
        var src = table.ReadOnlySpan;
        var dst = y.Span;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} at position {i} is outside the embedding table of {vocab} rows.");
            src.Slice(id * dim, dim).CopyTo(dst.Slice(i * dim, dim));
        }
        return y;
    }

    /// <summary>y[rows, n] = x[rows, k] · W^T + bias where W is [n, k] (the nn.Linear layout).</summary>
    public static Tensor MatMulTransposed(Tensor x, Tensor w, ReadOnlySpan<float> bias = default)
    {
        int k = x.Dim(-1), n = w.Dim(0);
        if (w.Dim(1) != k) throw new ArgumentException($"MatMulTransposed: {x} · {w}^T does not fit.");
        int rows = x.Length / k;
        var shape = (int[])x.Shape.Clone();
        shape[^1] = n;
        var y = Tensor.Zeros(shape);
        ComputeBackend.Current.Sgemm(false, true, rows, n, k, 1f, x.ReadOnlySpan, k, w.ReadOnlySpan, k, 0f, y.Span, n);
        if (!bias.IsEmpty) AddRowVector(y, bias);
        return y;
    }

    public static int ArgMax(ReadOnlySpan<float> row) => TensorPrimitives.IndexOfMax(row);
}
