using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Tests.Autograd;

/// <summary>
/// Variants of existing ops the ten families' training forward passes use: non-affine LayerNorm (OPT), partial and
/// position-scaled rotary (GPT-NeoX, linear RoPE scaling), a constant row-vector bias (BART's final_logits_bias), and a
/// derivative for every activation.
/// </summary>
public class ModelOpCoverageTests
{
    private static double[] LayerNormReference(double[] x, double[]? w, double[]? b, int rows, int n)
    {
        var y = new double[rows * n];
        for (int r = 0; r < rows; r++)
        {
            var row = x.Skip(r * n).Take(n).ToArray();
            double mean = row.Average(), var = row.Select(a => (a - mean) * (a - mean)).Average();
            for (int i = 0; i < n; i++) y[r * n + i] = (row[i] - mean) / Math.Sqrt(var + 1e-5) * (w?[i] ?? 1) + (b?[i] ?? 0);
        }
        return y;
    }

    [Fact]
    public void LayerNorm_WithoutWeight()
    {
        const int Rows = 3, N = 5;
        GradientCheck.Run("LayerNorm(no affine)", [[Rows, N]], (t, v) => t.LayerNorm(v[0], null, null, 1e-5f),
            x => LayerNormReference(x[0], null, null, Rows, N));
        GradientCheck.Run("LayerNorm(bias only)", [[Rows, N], [N]], (t, v) => t.LayerNorm(v[0], null, v[1], 1e-5f),
            x => LayerNormReference(x[0], null, x[1], Rows, N));
    }

    /// <summary>Rotates the first rotaryDim channels of each head (rotate_half within them); the rest pass through.</summary>
    [Theory]
    [InlineData(4, 6, 1.0)]
    [InlineData(2, 8, 2.0)]
    [InlineData(4, 4, 1.0)]
    public void Rotary_PartialAndScaled(int rotaryDim, int headDim, double positionScale)
    {
        const int Batch = 2, T = 3, Heads = 2;
        var rotary = new Rotary(rotaryDim, 10000.0) { PositionScale = positionScale };
        int[] positions = [0, 1, 2, 5, 6, 7];
        int half = rotaryDim / 2;
        GradientCheck.Run($"Rotary({rotaryDim} of {headDim}, scale {positionScale})", [[Batch, T, Heads * headDim]],
            (t, v) => t.Rotary(v[0], rotary, positions, Heads, headDim), x =>
        {
            var y = (double[])x[0].Clone();
            for (int bt = 0; bt < Batch * T; bt++)
                for (int h = 0; h < Heads; h++)
                    for (int i = 0; i < half; i++)
                    {
                        // Hugging Face's float32 angle: (position / scale) × inverse frequency 1/θ^(2i/rotaryDim)
                        float invFreq = (float)(1.0 / Math.Pow(10000.0, (float)(2 * i) / rotaryDim));
                        double angle = (float)((float)(positions[bt] / positionScale) * invFreq);
                        int o = (bt * Heads + h) * headDim;
                        double x1 = x[0][o + i], x2 = x[0][o + i + half];
                        y[o + i] = x1 * Math.Cos(angle) - x2 * Math.Sin(angle);
                        y[o + i + half] = x2 * Math.Cos(angle) + x1 * Math.Sin(angle);
                    }
            return y;
        });
    }

    /// <summary>Add broadcasts a [n] vector over the rows of [.., n]; a constant vector (requiresGrad false) gets no gradient.</summary>
    [Fact]
    public void Add_ConstantRowVectorBias()
    {
        var bias = new Tensor([0.5f, -1f, 2f, 0.25f], 4);
        GradientCheck.Run("Add constant row vector", [[2, 3, 4]], (t, v) => t.Add(v[0], new Variable(bias)),
            x => x[0].Select((a, i) => a + bias.Data[i % 4]).ToArray());
        var tape = new Tape();
        var b = new Variable(bias);
        var x = new Variable(Tensor.Zeros(3, 4), requiresGrad: true);
        tape.Backward(tape.Add(x, b), new Tensor(Enumerable.Repeat(1f, 12).ToArray(), 3, 4));
        Assert.Null(b.Grad);
        Assert.All(x.Grad!.Data, g => Assert.Equal(1f, g));
    }

    /// <summary>
    /// Every member of <see cref="Activation"/> has a derivative, and it agrees with central differences of the forward
    /// kernel (in float, step 1e-2, so the tolerance is loose; the exact check per function is GradientCheckTests.Activation).
    /// </summary>
    [Fact]
    public void Activation_EveryEnumMemberHasADerivative()
    {
        const float H = 1e-2f;
        foreach (var act in Enum.GetValues<Activation>())
        {
            for (float x = -3.95f; x < 4f; x += 0.3f)
            {
                Span<float> v = [x + H, x - H];
                Activations.Apply(act, v);
                double numeric = ((double)v[0] - v[1]) / (2 * H);
                float analytic = Tape.Derivative(act, x);
                Assert.True(Math.Abs(analytic - numeric) <= 2e-3 + 2e-3 * Math.Abs(numeric), $"{act}′({x}) = {analytic}, central difference {numeric}");
            }
        }
    }
}
