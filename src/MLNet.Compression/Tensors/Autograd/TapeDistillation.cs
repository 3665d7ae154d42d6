using System.Buffers;
using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors.Autograd;

/// <summary>
/// Knowledge-distillation losses between a student on the tape and a teacher given as constant tensors (the teacher's
/// forward pass runs without a tape, so no gradient reaches it). A combined objective such as DistilBERT's
/// α·T²·KL + β·CE + γ·cos is built from these with <see cref="Scale"/> and <see cref="Add"/> on their [1] results.
/// The teacher tensors are read again by the backward pass: keep them unchanged until it has run.
/// </summary>
public sealed partial class Tape
{
    /// <summary>
    /// Mean over rows of KL(p_t ‖ p_s) with p = softmax(logits / T):
    /// L = (1/rows)·Σ_r Σ_v p_t·(log p_t − log p_s), where a p_t of exactly 0 contributes 0 (xlogy).
    /// This is torch.nn.KLDivLoss(reduction="batchmean")(log_softmax(s/T), softmax(t/T)) on [rows, vocab] inputs, as
    /// DistilBERT's distiller applies it to the selected token rows (Sanh et al. 2019, "DistilBERT, a distilled version
    /// of BERT"); the caller multiplies by T² (Hinton et al. 2015) to keep the gradient's scale independent of T.
    /// Both log-softmaxes are computed in double from the float logits, shifted by the row maximum.
    /// ∂L/∂s = (p_s − p_t) / (T·rows).
    /// </summary>
    /// <param name="studentLogits">[rows, vocab] (leading dimensions, if more than one, are flattened into rows)</param>
    /// <param name="teacherLogits">the teacher's logits, with the student's element count and last dimension</param>
    /// <param name="temperature">T &gt; 0</param>
    /// <returns>[1]</returns>
    public Variable KlDivergence(Variable studentLogits, Tensor teacherLogits, float temperature)
    {
        if (!(temperature > 0f) || float.IsPositiveInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "KlDivergence: the temperature must be a positive finite number.");
        int vocab = studentLogits.Value.Dim(-1), rows = studentLogits.Value.Rows;
        if (teacherLogits.Length != studentLogits.Value.Length || teacherLogits.Dim(-1) != vocab)
            throw new ArgumentException($"KlDivergence: teacher logits {teacherLogits} do not match student logits {studentLogits.Value}.");
        if (rows == 0 || vocab == 0) throw new ArgumentException($"KlDivergence: student logits {studentLogits.Value} have no rows to average over.");

        var diff = Allocate([rows, vocab], zero: false); // [rows, vocab]: p_s − p_t, kept for the backward pass
        var perRow = new double[rows];
        float[] zs = studentLogits.Value.Data, zt = teacherLogits.Data, dd = diff.Data;
        double invT = 1.0 / temperature;
        ParallelOver(rows, vocab * 16L, r =>
        {
            var pool = ArrayPool<double>.Shared;
            double[] s = pool.Rent(vocab), t = pool.Rent(vocab), es = pool.Rent(vocab), et = pool.Rent(vocab);
            try
            {
                double lnS = ShiftedLogSumExp(zs.AsSpan(r * vocab, vocab), invT, s.AsSpan(0, vocab), es.AsSpan(0, vocab), out double sumS);
                double lnT = ShiftedLogSumExp(zt.AsSpan(r * vocab, vocab), invT, t.AsSpan(0, vocab), et.AsSpan(0, vocab), out double sumT);
                double invS = 1.0 / sumS, invTeacher = 1.0 / sumT, kl = 0;
                var dst = dd.AsSpan(r * vocab, vocab);
                for (int v = 0; v < vocab; v++)
                {
                    double ps = es[v] * invS, pt = et[v] * invTeacher;
                    dst[v] = (float)(ps - pt);
                    // log p = (z/T − max) − log Σ exp(z/T − max)
                    if (pt > 0) kl += pt * ((t[v] - lnT) - (s[v] - lnS));
                }
                perRow[r] = kl;
            }
            finally
            {
                pool.Return(s);
                pool.Return(t);
                pool.Return(es);
                pool.Return(et);
            }
        });
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += perRow[r];
        var loss = Allocate([1], zero: false); // [1]
        loss.Span[0] = (float)(sum / rows);
        return Record(loss, studentLogits.RequiresGrad, res =>
        {
            float scale = (float)(res.Grad!.Span[0] * invT / rows);
            var gz = studentLogits.GradForAccumulate(this).Span;
            TensorPrimitives.MultiplyAdd(diff.ReadOnlySpan, scale, gz, gz);
        });
    }

    /// <summary>
    /// shifted = z·invT − max(z·invT) and exps = exp(shifted), in double; returns log Σ exps (the shifted row's
    /// log-sum-exp, so log softmax = shifted − result) and the sum itself.
    /// </summary>
    private static double ShiftedLogSumExp(ReadOnlySpan<float> z, double invT, Span<double> shifted, Span<double> exps, out double sum)
    {
        for (int v = 0; v < z.Length; v++) shifted[v] = z[v] * invT;
        double max = TensorPrimitives.Max<double>(shifted);
        TensorPrimitives.Subtract(shifted, max, shifted);
        TensorPrimitives.Exp<double>(shifted, exps);
        sum = TensorPrimitives.Sum<double>(exps);
        return Math.Log(sum);
    }

    /// <summary>
    /// Mean over rows of 1 − cos(s_r, t_r): torch.nn.CosineEmbeddingLoss with target +1 and reduction "mean", as
    /// DistilBERT's distiller aligns the last hidden states. The cosine is PyTorch's cosine_embedding_loss definition
    /// (ATen Loss.cpp), not F.cosine_similarity's: cos = s·t / √((|s|² + ε)·(|t|² + ε)) with ε = 1e-12, accumulated in
    /// double. With A = |s|² + ε and B = |t|² + ε: ∂cos/∂s = t/√(AB) − cos·s/A, so ∂L/∂s_r = −(1/rows)·(t/√(AB) − cos·s/A).
    /// </summary>
    /// <param name="student">[rows, dim] (leading dimensions, if more than one, are flattened into rows)</param>
    /// <param name="teacher">the teacher's vectors, with the student's element count and last dimension</param>
    /// <returns>[1]</returns>
    public Variable CosineEmbeddingLoss(Variable student, Tensor teacher)
    {
        const double Eps = 1e-12;
        int dim = student.Value.Dim(-1), rows = student.Value.Rows;
        if (teacher.Length != student.Value.Length || teacher.Dim(-1) != dim)
            throw new ArgumentException($"CosineEmbeddingLoss: teacher {teacher} does not match student {student.Value}.");
        if (rows == 0 || dim == 0) throw new ArgumentException($"CosineEmbeddingLoss: student {student.Value} has no rows to average over.");
        // per row: 1/√(AB) and cos/A, the two coefficients of the gradient
        var coef = new double[2 * rows];
        var perRow = new double[rows];
        float[] sd = student.Value.Data, td = teacher.Data;
        ParallelOver(rows, dim * 4L, r =>
        {
            var s = sd.AsSpan(r * dim, dim);
            var t = td.AsSpan(r * dim, dim);
            double dot = 0, ss = 0, tt = 0;
            for (int i = 0; i < dim; i++)
            {
                dot += (double)s[i] * t[i];
                ss += (double)s[i] * s[i];
                tt += (double)t[i] * t[i];
            }
            double a = ss + Eps, invDen = 1.0 / Math.Sqrt(a * (tt + Eps)), cos = dot * invDen;
            coef[2 * r] = invDen;
            coef[2 * r + 1] = cos / a;
            perRow[r] = 1.0 - cos;
        });
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += perRow[r];
        var loss = Allocate([1], zero: false); // [1]
        loss.Span[0] = (float)(sum / rows);
        return Record(loss, student.RequiresGrad, res =>
        {
            double factor = -(double)res.Grad!.Span[0] / rows;
            float[] gs = student.GradForAccumulate(this).Data;
            ParallelOver(rows, dim * 2L, r =>
            {
                double c1 = factor * coef[2 * r], c2 = factor * coef[2 * r + 1];
                int off = r * dim;
                for (int i = 0; i < dim; i++) gs[off + i] += (float)(c1 * td[off + i] - c2 * sd[off + i]);
            });
        });
    }

    /// <summary>
    /// Mean over all elements of (s − t)² (torch.nn.MSELoss(reduction="mean")), the sum taken in double; used to match
    /// hidden states or logits. ∂L/∂s = 2(s − t)/n.
    /// </summary>
    /// <param name="student">any shape</param>
    /// <param name="teacher">the student's shape</param>
    /// <returns>[1]</returns>
    public Variable MeanSquaredError(Variable student, Tensor teacher)
    {
        if (!student.Shape.AsSpan().SequenceEqual(teacher.Shape))
            throw new ArgumentException($"MeanSquaredError: teacher {teacher} does not match student {student.Value}.");
        int n = student.Value.Length;
        if (n == 0) throw new ArgumentException($"MeanSquaredError: student {student.Value} has no elements to average over.");
        var s = student.Value.ReadOnlySpan;
        var t = teacher.ReadOnlySpan;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double d = (double)s[i] - t[i];
            sum += d * d;
        }
        var loss = Allocate([1], zero: false); // [1]
        loss.Span[0] = (float)(sum / n);
        return Record(loss, student.RequiresGrad, res =>
        {
            float factor = (float)(2.0 * res.Grad!.Span[0] / n);
            var gs = student.GradForAccumulate(this).Span;
            var sv = student.Value.ReadOnlySpan;
            var tv = teacher.ReadOnlySpan;
            for (int i = 0; i < n; i++) gs[i] += factor * (sv[i] - tv[i]);
        });
    }
}
