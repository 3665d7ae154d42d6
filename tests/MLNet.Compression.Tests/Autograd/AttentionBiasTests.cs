using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Tests.Autograd;

/// <summary>
/// Attention with an additive position bias and with queries and keys of different lengths (cross-attention), and the
/// element gather T5 builds its relative-position bias with; gradients against <see cref="GradientCheck"/>.
/// </summary>
public class AttentionBiasTests
{
    /// <summary>Decoder queries (3) over encoder keys (5), the second example's last two keys padded; no bias.</summary>
    [Theory]
    [InlineData(2, 2)]
    [InlineData(4, 2)]
    public void CrossAttention_QueriesAndKeysOfDifferentLengths(int heads, int kvHeads)
    {
        const int Batch = 2, Tq = 3, Tk = 5, D = 3;
        int[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
        float scale = 1f / MathF.Sqrt(D);
        GradientCheck.Run($"CrossAttention({heads}/{kvHeads})", [[Batch, Tq, heads * D], [Batch, Tk, kvHeads * D], [Batch, Tk, kvHeads * D]],
            (t, v) => t.Attention(v[0], v[1], v[2], heads, kvHeads, D, scale, mask, causal: false),
            x => GradientCheckTests.AttentionReference(x[0], x[1], x[2], Batch, Tq, Tk, heads, kvHeads, D, scale, mask, false, bias: null, biasBatch: 0));
    }

    /// <summary>
    /// A bias of batch 1 (shared by the batch, its gradient the batch sum) or of batch b, with and without the causal
    /// mask, with grouped-query heads, and in cross-attention; the bias is the fourth input and gets its own gradient.
    /// </summary>
    [Theory]
    [InlineData(1, 4, 4, 4, 4, false)]
    [InlineData(2, 4, 4, 4, 4, false)]
    [InlineData(1, 4, 4, 4, 2, true)]
    [InlineData(2, 4, 4, 4, 2, true)]
    [InlineData(1, 3, 5, 4, 2, false)]
    [InlineData(2, 3, 5, 2, 2, false)]
    [InlineData(1, 3, 5, 2, 1, true)]
    public void PositionBias_GradientReachesTheBias(int biasBatch, int tq, int tk, int heads, int kvHeads, bool causal)
    {
        const int Batch = 2, D = 2;
        // one padded key in the second example (never a whole row of a causal self-attention)
        var mask = Enumerable.Repeat(1, Batch * tk).ToArray();
        mask[2 * tk - 1] = 0;
        const float Scale = 0.7f;
        GradientCheck.Run($"Attention(bias batch {biasBatch}, {tq}×{tk}, {heads}/{kvHeads}, causal={causal})",
            [[Batch, tq, heads * D], [Batch, tk, kvHeads * D], [Batch, tk, kvHeads * D], [biasBatch, heads, tq, tk]],
            (t, v) => t.Attention(v[0], v[1], v[2], heads, kvHeads, D, Scale, mask, causal, v[3]),
            x => GradientCheckTests.AttentionReference(x[0], x[1], x[2], Batch, tq, tk, heads, kvHeads, D, Scale, mask, causal, x[3], biasBatch));
    }

    /// <summary>The tape's forward with a bias and cross-attention is the inference kernel's, element for element.</summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    public void PositionBias_ForwardMatchesTheInferenceKernel(int biasBatch, bool causal)
    {
        const int Batch = 2, Tq = 4, Tk = 4, Heads = 4, KvHeads = 2, D = 3;
        int[] mask = [1, 1, 1, 1, 0, 1, 1, 1];
        var rng = new Random(7);
        Tensor Random(params int[] shape)
        {
            var a = new float[(int)Tensor.ShapeSize(shape)];
            for (int i = 0; i < a.Length; i++) a[i] = (float)GradientCheck.Normal(rng);
            return new Tensor(a, shape);
        }
        Tensor q = Random(Batch, Tq, Heads * D), k = Random(Batch, Tk, KvHeads * D), v = Random(Batch, Tk, KvHeads * D), bias = Random(biasBatch, Heads, Tq, Tk);
        var expected = AttentionKernel.Compute(q, k, v, Heads, KvHeads, D, 0.5f, new AttentionMask(mask, causal), bias);
        var tape = new Tape();
        var actual = tape.Attention(new Variable(q), new Variable(k), new Variable(v), Heads, KvHeads, D, 0.5f, mask, causal, new Variable(bias));
        Assert.Equal(expected.Shape, actual.Shape);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected.Span[i] - actual.Value.Span[i]) <= 1e-6f, $"output[{i}]: kernel {expected.Span[i]}, tape {actual.Value.Span[i]}");
    }

    /// <summary>
    /// A constant bias (no gradient) changes the scores but gets no gradient; q, k and v get the same gradients as when
    /// the bias is a parameter.
    /// </summary>
    [Fact]
    public void PositionBias_ConstantGetsNoGradient()
    {
        const int Batch = 2, T = 3, Heads = 2, D = 2;
        var rng = new Random(3);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)GradientCheck.Normal(rng)).ToArray();
        float[] qd = Random(Batch * T * Heads * D), kd = Random(Batch * T * Heads * D), vd = Random(Batch * T * Heads * D), bd = Random(Heads * T * T);
        var seed = new Tensor(Random(Batch * T * Heads * D), Batch, T, Heads * D);
        Variable[] Run(bool biasGrad)
        {
            var tape = new Tape();
            Variable q = new(new Tensor((float[])qd.Clone(), Batch, T, Heads * D), true), k = new(new Tensor((float[])kd.Clone(), Batch, T, Heads * D), true),
                v = new(new Tensor((float[])vd.Clone(), Batch, T, Heads * D), true), b = new(new Tensor((float[])bd.Clone(), 1, Heads, T, T), biasGrad);
            tape.Backward(tape.Attention(q, k, v, Heads, Heads, D, 1f, null, causal: true, b), seed);
            return [q, k, v, b];
        }
        var constant = Run(false);
        var parameter = Run(true);
        Assert.Null(constant[3].Grad);
        Assert.NotNull(parameter[3].Grad);
        Assert.Contains(parameter[3].Grad!.Data, g => g != 0f);
        for (int i = 0; i < 3; i++) Assert.Equal(parameter[i].Grad!.Data, constant[i].Grad!.Data);
    }

    /// <summary>
    /// At a size where the work items run in parallel, a bias shared by the batch gets the sum of the gradients each
    /// example gives it alone (run one example at a time), and q gets each example's own gradient.
    /// </summary>
    [Fact]
    public void PositionBias_SharedBiasGradientIsTheBatchSum_InParallel()
    {
        const int Batch = 4, T = 32, Heads = 4, KvHeads = 2, D = 16;
        var rng = new Random(29);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)GradientCheck.Normal(rng)).ToArray();
        float[] qd = Random(Batch * T * Heads * D), kd = Random(Batch * T * KvHeads * D), vd = Random(Batch * T * KvHeads * D);
        float[] bd = Random(Heads * T * T), seed = Random(Batch * T * Heads * D);
        (float[] Bias, float[] Q) Run(int first, int count)
        {
            float[] Part(float[] a) => a.AsSpan(a.Length / Batch * first, a.Length / Batch * count).ToArray();
            var tape = new Tape();
            var q = new Variable(new Tensor(Part(qd), count, T, Heads * D), true);
            var k = new Variable(new Tensor(Part(kd), count, T, KvHeads * D), true);
            var v = new Variable(new Tensor(Part(vd), count, T, KvHeads * D), true);
            var b = new Variable(new Tensor((float[])bd.Clone(), 1, Heads, T, T), true);
            tape.Backward(tape.Attention(q, k, v, Heads, KvHeads, D, 0.25f, null, causal: true, b), new Tensor(Part(seed), count, T, Heads * D));
            return (b.Grad!.Data, q.Grad!.Data);
        }
        var whole = Run(0, Batch);
        var sum = new double[bd.Length];
        for (int e = 0; e < Batch; e++)
        {
            var one = Run(e, 1);
            for (int i = 0; i < sum.Length; i++) sum[i] += one.Bias[i];
            for (int i = 0; i < one.Q.Length; i++)
                Assert.True(Math.Abs(one.Q[i] - whole.Q[e * one.Q.Length + i]) <= 1e-5f, $"∂q of example {e} [{i}]: alone {one.Q[i]}, in the batch {whole.Q[e * one.Q.Length + i]}");
        }
        for (int i = 0; i < sum.Length; i++)
            Assert.True(Math.Abs(whole.Bias[i] - sum[i]) <= 1e-5 + 1e-5 * Math.Abs(sum[i]), $"∂bias[{i}]: batch {whole.Bias[i]}, sum of examples {sum[i]}");
    }

    [Fact]
    public void PositionBias_WrongShapeIsRefused()
    {
        var tape = new Tape();
        var q = new Variable(Tensor.Zeros(2, 3, 4));
        var kv = new Variable(Tensor.Zeros(2, 5, 4));
        var ex = Assert.Throws<ArgumentException>(() => tape.Attention(q, kv, kv, 2, 2, 2, 1f, null, false, new Variable(Tensor.Zeros(1, 2, 5, 3))));
        Assert.Contains("[1 or 2, 2, 3, 5]", ex.Message);
        Assert.Throws<ArgumentException>(() => tape.Attention(q, kv, kv, 2, 2, 2, 1f, null, false, new Variable(Tensor.Zeros(3, 2, 3, 5))));
    }

    [Fact]
    public void GatherElements_RepeatedIndicesAccumulate()
    {
        int[] index = [5, 0, 5, 7, 2, 2, 2, 1, 0, 6, 3, 5];
        GradientCheck.Run("GatherElements", [[4, 2]], (t, v) => t.GatherElements(v[0], index, 2, 3, 2),
            x => index.Select(i => x[0][i]).ToArray());
        var y = new Tape().GatherElements(new Variable(Tensor.Zeros(4, 2)), index, 2, 3, 2);
        Assert.Equal([2, 3, 2], y.Shape);
    }

    [Fact]
    public void GatherElements_IndexOutOfRangeNamesIndexAndTableSize()
    {
        var tape = new Tape();
        var table = new Variable(Tensor.Zeros(4, 2), requiresGrad: true);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => tape.GatherElements(table, [0, 8], 2));
        Assert.Contains("index 8", ex.Message);
        Assert.Contains("8 elements", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tape.GatherElements(table, [-1], 1));
        Assert.Throws<ArgumentException>(() => tape.GatherElements(table, [0, 1, 2], 2, 2));
    }

    /// <summary>
    /// T5's path end to end: a [buckets, heads] table gathered into a [1, heads, tq, tk] bias by relative-position bucket,
    /// added in a causal attention with scale 1; the table, q, k and v all get their gradients.
    /// </summary>
    [Fact]
    public void RelativePositionBias_FromBucketTable()
    {
        const int Batch = 2, T = 3, Heads = 2, D = 2, Buckets = 4;
        // bucket of relative position j − i, clamped to the table: several (i, j) share a bucket
        static int Bucket(int i, int j) => Math.Clamp(j - i + 2, 0, Buckets - 1);
        var index = new int[Heads * T * T];
        for (int h = 0; h < Heads; h++)
            for (int i = 0; i < T; i++)
                for (int j = 0; j < T; j++) index[(h * T + i) * T + j] = Bucket(i, j) * Heads + h;
        GradientCheck.Run("T5 relative bias", [[Batch, T, Heads * D], [Batch, T, Heads * D], [Batch, T, Heads * D], [Buckets, Heads]],
            (t, v) => t.Attention(v[0], v[1], v[2], Heads, Heads, D, 1f, null, causal: true, t.GatherElements(v[3], index, 1, Heads, T, T)),
            x => GradientCheckTests.AttentionReference(x[0], x[1], x[2], Batch, T, T, Heads, Heads, D, 1.0, null, true,
                index.Select(i => x[3][i]).ToArray(), biasBatch: 1));
    }
}
