using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Tests.Autograd;

/// <summary>Every tape op's gradient against finite differences of a double-precision reference (see <see cref="GradientCheck"/>).</summary>
public class GradientCheckTests
{
    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Linear(bool conv1D, bool withBias)
    {
        const int Rows = 5, In = 4, Out = 3;
        int[][] shapes = withBias ? [[Rows, In], conv1D ? [In, Out] : [Out, In], [Out]] : [[Rows, In], conv1D ? [In, Out] : [Out, In]];
        GradientCheck.Run($"Linear(conv1D={conv1D}, bias={withBias})", shapes,
            (t, v) => t.Linear(v[0], v[1], withBias ? v[2] : null, conv1D),
            x =>
            {
                var y = new double[Rows * Out];
                for (int r = 0; r < Rows; r++)
                    for (int o = 0; o < Out; o++)
                    {
                        double s = withBias ? x[2][o] : 0;
                        for (int i = 0; i < In; i++) s += x[0][r * In + i] * (conv1D ? x[1][i * Out + o] : x[1][o * In + i]);
                        y[r * Out + o] = s;
                    }
                return y;
            });
    }

    [Fact]
    public void Embedding_RepeatedIdsAccumulate()
    {
        int[] ids = [2, 0, 2, 3];
        GradientCheck.Run("Embedding", [[5, 3]], (t, v) => t.Embedding(v[0], ids),
            x => ids.SelectMany(id => x[0].Skip(id * 3).Take(3)).ToArray());
    }

    [Fact]
    public void AddAndMul_BroadcastOverLeadingDimensions()
    {
        GradientCheck.Run("Add same shape", [[2, 3], [2, 3]], (t, v) => t.Add(v[0], v[1]), x => x[0].Zip(x[1], (a, b) => a + b).ToArray());
        GradientCheck.Run("Add broadcast", [[2, 2, 3], [3]], (t, v) => t.Add(v[0], v[1]), x => x[0].Select((a, i) => a + x[1][i % 3]).ToArray());
        GradientCheck.Run("Mul same shape", [[2, 3], [2, 3]], (t, v) => t.Mul(v[0], v[1]), x => x[0].Zip(x[1], (a, b) => a * b).ToArray());
        GradientCheck.Run("Mul broadcast", [[4, 3], [3]], (t, v) => t.Mul(v[0], v[1]), x => x[0].Select((a, i) => a * x[1][i % 3]).ToArray());
        GradientCheck.Run("Mul self", [[6]], (t, v) => t.Mul(v[0], v[0]), x => x[0].Select(a => a * a).ToArray());
        GradientCheck.Run("Scale", [[6]], (t, v) => t.Scale(v[0], -1.5f), x => x[0].Select(a => -1.5 * a).ToArray());
    }

    [Fact]
    public void ReshapeSliceAndGather()
    {
        GradientCheck.Run("Reshape", [[2, 6]], (t, v) => t.Mul(t.Reshape(v[0], 3, 4), t.Reshape(v[0], 3, 4)), x => x[0].Select(a => a * a).ToArray());
        GradientCheck.Run("SliceLast", [[3, 5]], (t, v) => t.SliceLast(v[0], 1, 3),
            x => Enumerable.Range(0, 3).SelectMany(r => x[0].Skip(r * 5 + 1).Take(3)).ToArray());
        int[] rows = [3, 0, 3];
        GradientCheck.Run("GatherRows", [[4, 2]], (t, v) => t.GatherRows(v[0], rows), x => rows.SelectMany(r => x[0].Skip(r * 2).Take(2)).ToArray());
    }

    [Fact]
    public void LayerNormAndRmsNorm()
    {
        const int Rows = 3, N = 5;
        GradientCheck.Run("LayerNorm", [[Rows, N], [N], [N]], (t, v) => t.LayerNorm(v[0], v[1], v[2], 1e-5f), x =>
        {
            var y = new double[Rows * N];
            for (int r = 0; r < Rows; r++)
            {
                var row = x[0].Skip(r * N).Take(N).ToArray();
                double mean = row.Average(), var = row.Select(a => (a - mean) * (a - mean)).Average();
                for (int i = 0; i < N; i++) y[r * N + i] = (row[i] - mean) / Math.Sqrt(var + 1e-5) * x[1][i] + x[2][i];
            }
            return y;
        });
        GradientCheck.Run("RmsNorm", [[Rows, N], [N]], (t, v) => t.RmsNorm(v[0], v[1], 1e-6f), x =>
        {
            var y = new double[Rows * N];
            for (int r = 0; r < Rows; r++)
            {
                var row = x[0].Skip(r * N).Take(N).ToArray();
                double inv = 1 / Math.Sqrt(row.Select(a => a * a).Average() + 1e-6);
                for (int i = 0; i < N; i++) y[r * N + i] = row[i] * inv * x[1][i];
            }
            return y;
        });
    }

    [Theory]
    [InlineData("gelu")]
    [InlineData("gelu_new")]
    [InlineData("silu")]
    [InlineData("relu")]
    [InlineData("quick_gelu")]
    [InlineData("tanh")]
    [InlineData("linear")]
    public void Activation(string name)
    {
        Assert.True(Activations.TryParse(name, out var act));
        Func<double, double> f = name switch
        {
            "gelu" => v => 0.5 * v * (1 + Activations.Erf(v / Math.Sqrt(2))),
            "gelu_new" => v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
            "silu" => v => v / (1 + Math.Exp(-v)),
            "relu" => v => Math.Max(v, 0),
            "quick_gelu" => v => v / (1 + Math.Exp(-1.702 * v)),
            "tanh" => Math.Tanh,
            _ => v => v,
        };
        // 40 values in (−4, 4), none within 0.01 of 0 so ReLU's kink is not straddled by the finite difference.
        GradientCheck.Run(name, [[40]], (t, v) => t.Activation(v[0], act), x => x[0].Select(f).ToArray(),
            fill: (_, i, rng) => (float)((rng.NextDouble() * 3.9 + 0.05) * (i % 2 == 0 ? 1 : -1)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softmax_WithPaddingAndCausalMasks(bool causal)
    {
        const int Batch = 2, Groups = 2, T = 3;
        int[] mask = [1, 1, 1, 1, 1, 0];
        GradientCheck.Run($"Softmax(causal={causal})", [[Batch, Groups, T, T]], (t, v) => t.Softmax(v[0], Batch, mask, causal), x =>
        {
            var y = new double[x[0].Length];
            for (int b = 0; b < Batch; b++)
                for (int g = 0; g < Groups; g++)
                    for (int i = 0; i < T; i++)
                    {
                        int off = ((b * Groups + g) * T + i) * T;
                        bool Visible(int j) => mask[b * T + j] == 1 && (!causal || j <= i);
                        double max = Enumerable.Range(0, T).Where(Visible).Max(j => x[0][off + j]);
                        double sum = Enumerable.Range(0, T).Where(Visible).Sum(j => Math.Exp(x[0][off + j] - max));
                        for (int j = 0; j < T; j++) y[off + j] = Visible(j) ? Math.Exp(x[0][off + j] - max) / sum : 0;
                    }
            return y;
        });
    }

    [Theory]
    [InlineData(4, 4, false)]
    [InlineData(4, 2, true)]
    [InlineData(4, 1, true)]
    public void Attention_PaddingCausalAndGroupedQuery(int heads, int kvHeads, bool causal)
    {
        const int Batch = 2, T = 4, D = 3;
        int[] mask = [1, 1, 1, 1, 1, 1, 1, 0];
        float scale = 1f / MathF.Sqrt(D);
        GradientCheck.Run($"Attention({heads}/{kvHeads}, causal={causal})", [[Batch, T, heads * D], [Batch, T, kvHeads * D], [Batch, T, kvHeads * D]],
            (t, v) => t.Attention(v[0], v[1], v[2], heads, kvHeads, D, scale, mask, causal),
            x => AttentionReference(x[0], x[1], x[2], Batch, T, heads, kvHeads, D, scale, mask, causal));
    }

    [Fact]
    public void Rotary_LlamaLayout()
    {
        const int Batch = 2, T = 3, Heads = 2, D = 4;
        var rotary = new Rotary(D, 10000.0);
        int[] positions = [0, 1, 2, 5, 6, 7];
        GradientCheck.Run("Rotary", [[Batch, T, Heads * D]], (t, v) => t.Rotary(v[0], rotary, positions, Heads, D), x =>
        {
            var y = (double[])x[0].Clone();
            for (int bt = 0; bt < Batch * T; bt++)
                for (int h = 0; h < Heads; h++)
                    for (int i = 0; i < D / 2; i++)
                    {
                        // the angle as Hugging Face forms it: float32 position × float32 inverse frequency
                        float invFreq = (float)(1.0 / Math.Pow(10000.0, (float)(2 * i) / D));
                        double angle = (float)positions[bt] * invFreq;
                        int o = (bt * Heads + h) * D;
                        double x1 = x[0][o + i], x2 = x[0][o + i + D / 2];
                        y[o + i] = x1 * Math.Cos(angle) - x2 * Math.Sin(angle);
                        y[o + i + D / 2] = x2 * Math.Cos(angle) + x1 * Math.Sin(angle);
                    }
            return y;
        });
    }

    [Fact]
    public void CrossEntropy_IgnoresMinus100()
    {
        const int Rows = 4, V = 5;
        int[] targets = [2, Tape.IgnoreIndex, 0, 4];
        GradientCheck.Run("CrossEntropy", [[Rows, V]], (t, v) => t.CrossEntropy(v[0], targets), x =>
        {
            double sum = 0;
            int n = 0;
            for (int r = 0; r < Rows; r++)
            {
                if (targets[r] == Tape.IgnoreIndex) continue;
                var row = x[0].Skip(r * V).Take(V).ToArray();
                double max = row.Max(), lse = max + Math.Log(row.Sum(a => Math.Exp(a - max)));
                sum += lse - row[targets[r]];
                n++;
            }
            return [sum / n];
        });
    }

    /// <summary>A chain of ops: the tape sums gradients of a variable used twice and runs backward functions in order.</summary>
    [Fact]
    public void Composition_ResidualBlock()
    {
        const int Rows = 3, N = 4;
        GradientCheck.Run("x + W2·gelu(W1·LN(x))", [[Rows, N], [N], [N], [N, N], [N, N]], (t, v) =>
            t.Add(v[0], t.Linear(t.Activation(t.Linear(t.LayerNorm(v[0], v[1], v[2], 1e-5f), v[3]), MLNet.Compression.Tensors.Activation.GeluTanh), v[4])), x =>
        {
            var y = new double[Rows * N];
            for (int r = 0; r < Rows; r++)
            {
                var row = x[0].Skip(r * N).Take(N).ToArray();
                double mean = row.Average(), var = row.Select(a => (a - mean) * (a - mean)).Average();
                var ln = row.Select((a, i) => (a - mean) / Math.Sqrt(var + 1e-5) * x[1][i] + x[2][i]).ToArray();
                var h = Enumerable.Range(0, N).Select(o => { double s = 0; for (int i = 0; i < N; i++) s += ln[i] * x[3][o * N + i]; return s; })
                    .Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray();
                for (int o = 0; o < N; o++) { double s = row[o]; for (int i = 0; i < N; i++) s += h[i] * x[4][o * N + i]; y[r * N + o] = s; }
            }
            return y;
        });
    }

    internal static double[] AttentionReference(double[] q, double[] k, double[] v, int batch, int t, int heads, int kvHeads, int d, double scale, int[]? mask, bool causal)
        => AttentionReference(q, k, v, batch, t, t, heads, kvHeads, d, scale, mask, causal, bias: null, biasBatch: 0);

    /// <summary>
    /// Attention in double, written per element: s_ij = scale·q_i·k_j + bias_ij over the visible keys (not padded, and
    /// j ≤ i when causal), softmax, then Σ_j p_ij·v_j. bias is [biasBatch, heads, tq, tk] or null.
    /// </summary>
    internal static double[] AttentionReference(double[] q, double[] k, double[] v, int batch, int tq, int tk, int heads, int kvHeads, int d,
        double scale, int[]? mask, bool causal, double[]? bias, int biasBatch)
    {
        var o = new double[batch * tq * heads * d];
        int group = heads / kvHeads;
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < tq; i++)
                {
                    int kvh = h / group;
                    var s = new double[tk];
                    bool Visible(int j) => (mask is null || mask[b * tk + j] == 1) && (!causal || j <= i);
                    for (int j = 0; j < tk; j++)
                    {
                        for (int c = 0; c < d; c++) s[j] += q[(b * tq + i) * heads * d + h * d + c] * k[(b * tk + j) * kvHeads * d + kvh * d + c] * scale;
                        if (bias is not null) s[j] += bias[(((biasBatch == 1 ? 0 : b) * heads + h) * tq + i) * tk + j];
                    }
                    double max = Enumerable.Range(0, tk).Where(Visible).Max(j => s[j]);
                    double sum = Enumerable.Range(0, tk).Where(Visible).Sum(j => Math.Exp(s[j] - max));
                    for (int j = 0; j < tk; j++)
                    {
                        if (!Visible(j)) continue;
                        double p = Math.Exp(s[j] - max) / sum;
                        for (int c = 0; c < d; c++) o[(b * tq + i) * heads * d + h * d + c] += p * v[(b * tk + j) * kvHeads * d + kvh * d + c];
                    }
                }
        return o;
    }
}
