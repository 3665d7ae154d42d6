using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Distillation;

/// <summary>
/// The distillation objective of DistilBERT (Sanh et al. 2019, §3; distiller.py of Hugging Face's distillation example):
/// L = α·T²·KL(p_teacher ‖ p_student at temperature T) + β·L_lm + γ·L_cos, where the KL is taken over every real token
/// (distiller.py's default, restrict_ce_to_mask = False), L_lm is the student's own masked-LM, causal-LM or seq2seq
/// cross-entropy on the labelled tokens, and L_cos = 1 − cos(h_student, h_teacher) on the last hidden states of the real
/// tokens. The T² keeps the soft-target gradients on the scale of the hard ones (Hinton et al. 2015, §2).
/// </summary>
/// <param name="Temperature">T; DistilBERT uses 2.</param>
/// <param name="Alpha">Weight of the soft-target KL; DistilBERT's alpha_ce = 5.</param>
/// <param name="Beta">Weight of the language-modelling loss; DistilBERT's alpha_mlm = 2.</param>
/// <param name="Gamma">Weight of the hidden-state cosine loss; DistilBERT's alpha_cos = 1.</param>
public sealed record DistillationLoss(double Temperature = 2, double Alpha = 5, double Beta = 2, double Gamma = 1)
{
    /// <summary>Checks the weights, naming the option that is off.</summary>
    public void Validate()
    {
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException($"--temperature: must be a positive number, got {Temperature}.");
        foreach (var (name, v) in new[] { ("--alpha", Alpha), ("--beta", Beta), ("--gamma", Gamma) })
            if (!(v >= 0) || double.IsInfinity(v)) throw new ArgumentException($"{name}: must be a non-negative number, got {v}.");
        if (Alpha + Beta + Gamma <= 0) throw new ArgumentException("--alpha, --beta, --gamma: at least one loss weight must be positive.");
    }

    /// <summary>The three terms and their weighted sum for one batch.</summary>
    /// <param name="student">The student's outputs recorded on <paramref name="tape"/> (full logits, last hidden state).</param>
    /// <param name="teacher">The teacher's outputs on the same input, from the inference engine.</param>
    /// <param name="softRows">Flat logit rows the KL and cosine terms cover (the real tokens).</param>
    /// <param name="targets">The LM target of every flat logit row, −100 where none.</param>
    public Terms Compute(Tape tape, ModelOutput student, ModelOutput teacher, int[] softRows, int[] targets)
    {
        var logits = tape.Of(student.Logits);
        int vocab = logits.Value.Dim(-1);
        var flat = tape.Reshape(logits, -1, vocab); // [rows, vocab]
        Variable? total = null;
        void Add(Variable term, double weight) => total = total is null ? tape.Scale(term, (float)weight) : tape.Add(total, tape.Scale(term, (float)weight));

        float kl = float.NaN, lm = float.NaN, cos = float.NaN;
        if (Alpha > 0 && softRows.Length > 0)
        {
            var s = tape.GatherRows(flat, softRows);                                   // [soft, vocab]
            var t = TensorOps.GatherRows(teacher.Logits.Reshape(-1, vocab), softRows); // [soft, vocab]
            var term = tape.KlDivergence(s, t, (float)Temperature);
            kl = term.Value.Span[0];
            Add(term, Alpha * Temperature * Temperature);
        }
        var labelled = Enumerable.Range(0, targets.Length).Where(i => targets[i] != Tape.IgnoreIndex).ToArray();
        if (Beta > 0 && labelled.Length > 0)
        {
            var term = tape.CrossEntropy(tape.GatherRows(flat, labelled), labelled.Select(i => targets[i]).ToArray()); // over [labelled, vocab]
            lm = term.Value.Span[0];
            Add(term, Beta);
        }
        if (Gamma > 0 && softRows.Length > 0 && student.LastHiddenState is { } sh && teacher.LastHiddenState is { } th && sh.Dim(-1) == th.Dim(-1))
        {
            int width = sh.Dim(-1);
            var s = tape.GatherRows(tape.Reshape(tape.Of(sh), -1, width), softRows);  // [soft, width]
            var t = TensorOps.GatherRows(th.Reshape(-1, width), softRows);           // [soft, width]
            var term = tape.CosineEmbeddingLoss(s, t);
            cos = term.Value.Span[0];
            Add(term, Gamma);
        }
        return new Terms(total ?? new Variable(Tensor.Zeros(1)), kl, lm, cos);
    }

    /// <summary>One batch's loss: the weighted total on the tape, and each term's value (NaN where the term is off).</summary>
    public sealed record Terms(Variable Total, float Kl, float Lm, float Cosine);
}
