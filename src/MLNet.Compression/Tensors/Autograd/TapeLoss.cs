using System.Numerics.Tensors;

namespace MLNet.Compression.Tensors.Autograd;

/// <summary>Losses.</summary>
public sealed partial class Tape
{
    /// <summary>The label value that contributes nothing to the loss (torch.nn.CrossEntropyLoss ignore_index, Hugging Face's −100).</summary>
    public const int IgnoreIndex = -100;

    /// <summary>
    /// Mean cross-entropy of logits [rows, vocab] against targets [rows], skipping <see cref="IgnoreIndex"/>
    /// (CrossEntropyLoss(reduction="mean")): L = −(1/N)·Σ log softmax(z_r)[t_r] over the N counted rows.
    /// ∂z_r = (softmax(z_r) − onehot(t_r))/N. Per-row terms are summed in double in row order, so the result does not
    /// depend on the thread split. Returns a [1] tensor; with no counted rows the loss is NaN, as PyTorch's is.
    /// </summary>
    public Variable CrossEntropy(Variable logits, int[] targets)
    {
        int vocab = logits.Value.Dim(-1), rows = logits.Value.Rows;
        if (targets.Length != rows) throw new ArgumentException($"CrossEntropy: {targets.Length} targets for {rows} rows of {logits.Value}.");
        int count = 0;
        for (int i = 0; i < rows; i++)
        {
            int t = targets[i];
            if (t == IgnoreIndex) continue;
            if ((uint)t >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {t} at row {i} is outside the vocabulary of {vocab}.");
            count++;
        }
        var logProbs = Allocate([rows, vocab], zero: false); // [rows, vocab]
        var perRow = new double[rows];
        float[] z = logits.Value.Data, lp = logProbs.Data;
        ParallelOver(rows, vocab * 8L, r =>
        {
            if (targets[r] == IgnoreIndex) return;
            var dst = lp.AsSpan(r * vocab, vocab);
            var row = z.AsSpan(r * vocab, vocab);
            // log-softmax in float32 with vectorised exp, as PyTorch's CPU kernel: z − max − log Σ exp(z − max)
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, dst);
            TensorPrimitives.Exp(dst, dst);
            float lse = max + MathF.Log(TensorPrimitives.Sum(dst));
            TensorPrimitives.Subtract(row, lse, dst);
            perRow[r] = -dst[targets[r]];
        });
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += perRow[r];
        var loss = Allocate([1], zero: false); // [1]
        loss.Span[0] = (float)(sum / count);
        return Record(loss, logits.RequiresGrad, res =>
        {
            float scale = res.Grad!.Span[0] / count;
            float[] gz = logits.GradForAccumulate(this).Data;
            ParallelOver(rows, vocab * 4L, r =>
            {
                int t = targets[r];
                if (t == IgnoreIndex) return;
                var g = gz.AsSpan(r * vocab, vocab);
                var row = lp.AsSpan(r * vocab, vocab);
                // softmax = exp(log-softmax), written into the log-prob buffer (no longer needed after this)
                TensorPrimitives.Exp(row, row);
                row[t] -= 1f;
                TensorPrimitives.MultiplyAdd(row, scale, g, g);
            });
        });
    }
}
