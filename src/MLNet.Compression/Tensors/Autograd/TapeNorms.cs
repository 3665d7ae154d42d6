using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors.Autograd;

/// <summary>LayerNorm (affine or not) and RMSNorm over the last dimension.</summary>
public sealed partial class Tape
{
    /// <summary>
    /// LayerNorm: y = (x − μ)·r·w + b with r = 1/√(σ² + eps), σ² the biased variance (torch.nn.LayerNorm).
    /// Mean and variance are accumulated in double as <see cref="TensorOps.LayerNormInto"/> does.
    /// A null weight (and bias) is the non-affine norm, w = 1 (OPT's layer_norm_elementwise_affine = false).
    /// Backward, per row with x̂ = (x − μ)·r and ĝ = ∂y ⊙ w: ∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)); ∂w = Σ ∂y ⊙ x̂; ∂b = Σ ∂y.
    /// </summary>
    public Variable LayerNorm(Variable x, Variable? w, Variable? b, float eps)
    {
        int n = x.Value.Dim(-1), rows = x.Value.Rows;
        if ((w is not null && w.Value.Length != n) || (b is not null && b.Value.Length != n))
            throw new ArgumentException($"LayerNorm: weight {w} / bias {b} do not match the last dimension {n} of {x.Value}.");
        var y = Allocate(x.Shape, zero: false);       // x's shape
        var stats = Allocate([rows, 2], zero: false); // [rows, (mean, rstd)]
        var xs = x.Value.ReadOnlySpan;
        var ys = y.Span;
        var st = stats.Span;
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * n, n);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += row[i];
            double mean = sum / n;
            double var = 0;
            for (int i = 0; i < n; i++) { double d = row[i] - mean; var += d * d; }
            float rstd = (float)(1.0 / Math.Sqrt(var / n + eps));
            float fm = (float)mean;
            st[2 * r] = fm;
            st[2 * r + 1] = rstd;
            var dst = ys.Slice(r * n, n);
            for (int i = 0; i < n; i++) dst[i] = (row[i] - fm) * rstd;
            if (w is not null) TensorPrimitives.Multiply(dst, w.Value.ReadOnlySpan, dst);
            if (b is not null) TensorPrimitives.Add(dst, b.Value.ReadOnlySpan, dst);
        }
        bool needs = x.RequiresGrad || (w?.RequiresGrad ?? false) || (b?.RequiresGrad ?? false);
        return Record(y, needs, res =>
        {
            var g = res.Grad!.ReadOnlySpan;
            var xv = x.Value.ReadOnlySpan;
            var wv = w is null ? default : w.Value.ReadOnlySpan;
            var s = stats.ReadOnlySpan;
            var gx = x.RequiresGrad ? x.GradForAccumulate(this).Span : default;
            var gw = w is not null && w.RequiresGrad ? w.GradForAccumulate(this).Span : default;
            var gb = b is not null && b.RequiresGrad ? b.GradForAccumulate(this).Span : default;
            for (int r = 0; r < rows; r++)
            {
                float mean = s[2 * r], rstd = s[2 * r + 1];
                var xr = xv.Slice(r * n, n);
                var gr = g.Slice(r * n, n);
                double sumG = 0, sumGX = 0;
                for (int i = 0; i < n; i++)
                {
                    float xh = (xr[i] - mean) * rstd;
                    float gh = wv.IsEmpty ? gr[i] : gr[i] * wv[i];
                    sumG += gh;
                    sumGX += gh * xh;
                    if (!gw.IsEmpty) gw[i] += gr[i] * xh;
                    if (!gb.IsEmpty) gb[i] += gr[i];
                }
                if (gx.IsEmpty) continue;
                float mG = (float)(sumG / n), mGX = (float)(sumGX / n);
                var dx = gx.Slice(r * n, n);
                for (int i = 0; i < n; i++)
                {
                    float xh = (xr[i] - mean) * rstd;
                    float gh = wv.IsEmpty ? gr[i] : gr[i] * wv[i];
                    dx[i] += rstd * (gh - mG - xh * mGX);
                }
            }
        });
    }

    /// <summary>
    /// RMSNorm (LlamaRMSNorm): y = w ⊙ x·r with r = 1/√(mean(x²) + eps), the mean taken in double.
    /// Backward with ĝ = ∂y ⊙ w: ∂x = r·ĝ − x·r³·mean(ĝ ⊙ x); ∂w = Σ ∂y ⊙ x·r.
    /// </summary>
    public Variable RmsNorm(Variable x, Variable w, float eps)
    {
        int n = x.Value.Dim(-1), rows = x.Value.Rows;
        if (w.Value.Length != n) throw new ArgumentException($"RmsNorm: weight {w} does not match the last dimension {n} of {x.Value}.");
        var y = Allocate(x.Shape, zero: false);    // x's shape
        var rstds = Allocate([rows], zero: false); // [rows]
        var xs = x.Value.ReadOnlySpan;
        var ys = y.Span;
        var ws = w.Value.ReadOnlySpan;
        var rs = rstds.Span;
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * n, n);
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double)row[i] * row[i];
            float rstd = (float)(1.0 / Math.Sqrt(ss / n + eps));
            rs[r] = rstd;
            var dst = ys.Slice(r * n, n);
            for (int i = 0; i < n; i++) dst[i] = row[i] * rstd * ws[i];
        }
        return Record(y, x.RequiresGrad || w.RequiresGrad, res =>
        {
            var g = res.Grad!.ReadOnlySpan;
            var xv = x.Value.ReadOnlySpan;
            var wv = w.Value.ReadOnlySpan;
            var rv = rstds.ReadOnlySpan;
            var gx = x.RequiresGrad ? x.GradForAccumulate(this).Span : default;
            var gw = w.RequiresGrad ? w.GradForAccumulate(this).Span : default;
            for (int r = 0; r < rows; r++)
            {
                float rstd = rv[r];
                var xr = xv.Slice(r * n, n);
                var gr = g.Slice(r * n, n);
                double dot = 0;
                for (int i = 0; i < n; i++)
                {
                    dot += (double)gr[i] * wv[i] * xr[i];
                    if (!gw.IsEmpty) gw[i] += gr[i] * (xr[i] * rstd);
                }
                if (gx.IsEmpty) continue;
                float c = (float)(dot / n) * rstd * rstd * rstd;
                var dx = gx.Slice(r * n, n);
                for (int i = 0; i < n; i++) dx[i] += rstd * gr[i] * wv[i] - xr[i] * c;
            }
        });
    }
}
