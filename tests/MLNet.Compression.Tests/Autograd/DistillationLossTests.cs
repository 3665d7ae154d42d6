using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Tests.Autograd;

/// <summary>
/// The distillation losses against double references written from their definitions (teacher a fixed random tensor),
/// and their combination with cross-entropy through Scale and Add.
/// </summary>
public class DistillationLossTests
{
    private static Tensor Teacher(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var a = new float[(int)Tensor.ShapeSize(shape)];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(2 * GradientCheck.Normal(rng));
        return new Tensor(a, shape);
    }

    /// <summary>(1/rows)·Σ_r Σ_v p_t·(log p_t − log p_s), p = softmax(z/T), terms with p_t = 0 left out.</summary>
    private static double KlReference(double[] s, float[] t, int rows, int vocab, double temperature)
    {
        double[] LogSoftmax(IEnumerable<double> z)
        {
            var a = z.Select(x => x / temperature).ToArray();
            double max = a.Max(), lse = max + Math.Log(a.Sum(x => Math.Exp(x - max)));
            return a.Select(x => x - lse).ToArray();
        }
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            var ls = LogSoftmax(s.Skip(r * vocab).Take(vocab));
            var lt = LogSoftmax(t.Skip(r * vocab).Take(vocab).Select(x => (double)x));
            for (int v = 0; v < vocab; v++)
            {
                double pt = Math.Exp(lt[v]);
                if (pt > 0) sum += pt * (lt[v] - ls[v]);
            }
        }
        return sum / rows;
    }

    /// <summary>(1/rows)·Σ_r 1 − s·t/√((|s|² + 1e-12)(|t|² + 1e-12)).</summary>
    private static double CosineReference(double[] s, float[] t, int rows, int dim)
    {
        double sum = 0;
        for (int r = 0; r < rows; r++)
        {
            double dot = 0, ss = 0, tt = 0;
            for (int i = 0; i < dim; i++)
            {
                double a = s[r * dim + i], b = t[r * dim + i];
                dot += a * b;
                ss += a * a;
                tt += b * b;
            }
            sum += 1 - dot / Math.Sqrt((ss + 1e-12) * (tt + 1e-12));
        }
        return sum / rows;
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(2f)]
    [InlineData(0.5f)]
    public void KlDivergence_MatchesBatchmeanKlOfTemperedSoftmaxes(float temperature)
    {
        const int Rows = 3, V = 6;
        var teacher = Teacher(11, Rows, V);
        GradientCheck.Run($"KlDivergence(T={temperature})", [[Rows, V]], (t, v) => t.KlDivergence(v[0], teacher, temperature),
            x => [KlReference(x[0], teacher.Data, Rows, V, temperature)]);
    }

    /// <summary>A teacher logit of −∞ has p_t = 0 and contributes nothing (no NaN from 0·log 0); the student still gets p_s there.</summary>
    [Fact]
    public void KlDivergence_ZeroTeacherProbabilityContributesZero()
    {
        const int Rows = 2, V = 4;
        var teacher = Teacher(5, Rows, V);
        teacher.Span[1] = float.NegativeInfinity;
        teacher.Span[V + 3] = float.NegativeInfinity;
        GradientCheck.Run("KlDivergence(p_t = 0)", [[Rows, V]], (t, v) => t.KlDivergence(v[0], teacher, 2f),
            x => [KlReference(x[0], teacher.Data, Rows, V, 2.0)]);
    }

    [Fact]
    public void KlDivergence_IdenticalDistributionsGiveZeroLossAndGradient()
    {
        var logits = Teacher(2, 4, 7);
        var tape = new Tape();
        var student = new Variable(new Tensor((float[])logits.Data.Clone(), 4, 7), requiresGrad: true);
        var loss = tape.KlDivergence(student, logits, 3f);
        Assert.True(Math.Abs(loss.Value.Span[0]) < 1e-7f, $"KL of a distribution with itself is {loss.Value.Span[0]}");
        tape.Backward(loss);
        Assert.All(student.Grad!.Data, g => Assert.True(Math.Abs(g) < 1e-8f, $"gradient {g}"));
    }

    [Fact]
    public void KlDivergence_RefusesBadTemperatureAndEmptyInput()
    {
        var tape = new Tape();
        var s = new Variable(Tensor.Zeros(2, 3), requiresGrad: true);
        var t = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.KlDivergence(s, t, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.KlDivergence(s, t, -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.KlDivergence(s, t, float.NaN));
        Assert.Throws<ArgumentException>(() => tape.KlDivergence(new Variable(Tensor.Zeros(0, 3)), Tensor.Zeros(0, 3), 1f));
        Assert.Throws<ArgumentException>(() => tape.KlDivergence(s, Tensor.Zeros(3, 2), 1f));
    }

    [Fact]
    public void CosineEmbeddingLoss_MeanOfOneMinusCosine()
    {
        const int Rows = 4, Dim = 5;
        var teacher = Teacher(13, Rows, Dim);
        GradientCheck.Run("CosineEmbeddingLoss", [[Rows, Dim]], (t, v) => t.CosineEmbeddingLoss(v[0], teacher),
            x => [CosineReference(x[0], teacher.Data, Rows, Dim)]);
        // a student parallel to the teacher has loss 0, an opposite one loss 2
        var tape = new Tape();
        var scaled = teacher.Data.Select(a => 3f * a).ToArray();
        Assert.True(Math.Abs(tape.CosineEmbeddingLoss(new Variable(new Tensor(scaled, Rows, Dim)), teacher).Value.Span[0]) < 1e-6f);
        var opposite = teacher.Data.Select(a => -a).ToArray();
        Assert.True(Math.Abs(tape.CosineEmbeddingLoss(new Variable(new Tensor(opposite, Rows, Dim)), teacher).Value.Span[0] - 2f) < 1e-6f);
        Assert.Throws<ArgumentException>(() => tape.CosineEmbeddingLoss(new Variable(Tensor.Zeros(Rows, Dim)), Tensor.Zeros(Rows, Dim + 1)));
    }

    [Fact]
    public void MeanSquaredError_MeanOverAllElements()
    {
        var teacher = Teacher(17, 2, 3, 4);
        GradientCheck.Run("MeanSquaredError", [[2, 3, 4]], (t, v) => t.MeanSquaredError(v[0], teacher),
            x => [x[0].Select((a, i) => (a - teacher.Data[i]) * (a - teacher.Data[i])).Average()]);
        Assert.Throws<ArgumentException>(() => new Tape().MeanSquaredError(new Variable(Tensor.Zeros(2, 12)), teacher));
    }

    /// <summary>
    /// DistilBERT's objective α·T²·KL + β·CE + γ·(1 − cos) as one variable through Scale and Add: the logits get the sum
    /// of the KL and cross-entropy gradients, the hidden states the cosine's.
    /// </summary>
    [Fact]
    public void Composite_WeightedSumOfDistillationTerms()
    {
        const int Rows = 3, V = 5, Dim = 4;
        const float T = 2f, Alpha = 0.5f, Beta = 0.3f, Gamma = 0.2f;
        int[] targets = [1, Tape.IgnoreIndex, 4];
        var teacherLogits = Teacher(19, Rows, V);
        var teacherHidden = Teacher(23, Rows, Dim);
        GradientCheck.Run("α·T²·KL + β·CE + γ·cos", [[Rows, V], [Rows, Dim]], (t, v) =>
            t.Add(t.Add(t.Scale(t.KlDivergence(v[0], teacherLogits, T), Alpha * T * T), t.Scale(t.CrossEntropy(v[0], targets), Beta)),
                t.Scale(t.CosineEmbeddingLoss(v[1], teacherHidden), Gamma)), x =>
        {
            double ce = 0;
            int n = 0;
            for (int r = 0; r < Rows; r++)
            {
                if (targets[r] == Tape.IgnoreIndex) continue;
                var row = x[0].Skip(r * V).Take(V).ToArray();
                double max = row.Max(), lse = max + Math.Log(row.Sum(a => Math.Exp(a - max)));
                ce += lse - row[targets[r]];
                n++;
            }
            return [Alpha * T * T * KlReference(x[0], teacherLogits.Data, Rows, V, T) + Beta * ce / n + Gamma * CosineReference(x[1], teacherHidden.Data, Rows, Dim)];
        });
    }
}
