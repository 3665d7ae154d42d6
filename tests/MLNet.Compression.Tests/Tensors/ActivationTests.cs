using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Tensors;

public class ActivationTests
{
    private static double Erf(double x) => Activations.Erf(x);

    public static TheoryData<string> Names() => new() { "gelu", "gelu_new", "quick_gelu", "silu", "tanh", "relu" };

    /// <summary>The vectorised and scalar paths both agree with the defining formula evaluated in double.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Activation_MatchesItsDefinitionInDouble(string name)
    {
        Assert.True(Activations.TryParse(name, out var act));
        var x = Enumerable.Range(0, 4001).Select(i => (float)((i - 2000) / 200.0)).ToArray(); // −10 … 10, 4001 values: vector body and scalar tail
        var y = (float[])x.Clone();
        Activations.Apply(act, y);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double expected = name switch
            {
                "gelu" => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
                "gelu_new" => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))),
                "quick_gelu" => v / (1 + Math.Exp(-1.702 * v)),
                "silu" => v / (1 + Math.Exp(-v)),
                "tanh" => Math.Tanh(v),
                _ => Math.Max(v, 0),
            };
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 + 1e-6 * Math.Abs(expected), $"{name}({v}) = {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void Erf_MatchesTabulatedValues()
    {
        // Abramowitz & Stegun table 7.1
        Assert.Equal(0.0, Erf(0), 15);
        Assert.Equal(0.5204998778, Erf(0.5), 9);
        Assert.Equal(0.8427007929, Erf(1.0), 9);
        Assert.Equal(0.9953222650, Erf(2.0), 9);
        Assert.Equal(-0.8427007929, Erf(-1.0), 9);
    }

    [Fact]
    public void Softmax_OfHandWorkedRow()
    {
        // softmax([1, 2, 3]) = e^{[1,2,3]} / (e + e² + e³) = [0.09003057, 0.24472847, 0.66524096]
        var row = new float[] { 1, 2, 3 };
        TensorOps.SoftmaxRow(row);
        Assert.Equal(0.09003057f, row[0], 6);
        Assert.Equal(0.24472847f, row[1], 6);
        Assert.Equal(0.66524096f, row[2], 6);
    }

    [Fact]
    public void LayerNorm_OfHandWorkedRow()
    {
        // x = [1, 2, 3, 4]: mean 2.5, biased variance 1.25, so (x − 2.5)/√1.25 = [−1.3416, −0.4472, 0.4472, 1.3416]; ·w + b with w = 2, b = 1
        var x = new Tensor([1f, 2, 3, 4], 1, 4);
        var y = TensorOps.LayerNorm(x, [2f, 2, 2, 2], [1f, 1, 1, 1], 0f);
        float[] expected = [1 - 2 * 1.3416408f, 1 - 2 * 0.4472136f, 1 + 2 * 0.4472136f, 1 + 2 * 1.3416408f];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y.Span[i], 5);
    }

    [Fact]
    public void RmsNorm_OfHandWorkedRow()
    {
        // x = [3, 4]: mean square 12.5, so x/√12.5 = [0.8485, 1.1314]
        var y = TensorOps.RmsNorm(new Tensor([3f, 4f], 1, 2), [1f, 1f], 0f);
        Assert.Equal(0.84852814f, y.Span[0], 6);
        Assert.Equal(1.1313708f, y.Span[1], 6);
    }

    [Fact]
    public void Rotary_RotatesHalvesByPositionTimesFrequency()
    {
        // head dim 4, theta 10000: inv_freq = [1, 0.01]; position 1 rotates (x0, x2) by 1 rad and (x1, x3) by 0.01 rad.
        var rot = new Rotary(4, 10000);
        var x = new float[] { 1, 1, 0, 0 };
        rot.Apply(x, 1, 1, 1, 4, [1]);
        Assert.Equal(MathF.Cos(1), x[0], 6);
        Assert.Equal(MathF.Cos(0.01f), x[1], 6);
        Assert.Equal(MathF.Sin(1), x[2], 6);
        Assert.Equal(MathF.Sin(0.01f), x[3], 6);
    }
}
