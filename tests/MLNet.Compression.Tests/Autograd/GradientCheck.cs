using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Tests.Autograd;

/// <summary>
/// Checks one tape op against a double-precision reference of the same function: the float forward must match the
/// reference, and the tape's gradient of L = Σ R ⊙ op(x) (R fixed random weights, seeded through Tape.Backward(y, R))
/// must match central finite differences of L computed entirely in double (step 1e-6, truncation error ~1e-12).
/// The tape itself stays float32; the double path is the independent oracle.
/// </summary>
internal static class GradientCheck
{
    /// <param name="shapes">Shapes of the inputs, each made a variable that requires a gradient.</param>
    /// <param name="op">The op under test on the tape.</param>
    /// <param name="reference">The same function in double: inputs → flat output.</param>
    /// <param name="fill">Optional custom input values (e.g. positive ones); default normal(0, 1).</param>
    public static void Run(string name, int[][] shapes, Func<Tape, Variable[], Variable> op, Func<double[][], double[]> reference,
        int seed = 1, Func<int, int, Random, float>? fill = null, double atol = 2e-4, double rtol = 2e-3)
    {
        var rng = new Random(seed);
        var inputs = shapes.Select((s, k) =>
        {
            var a = new float[(int)Tensor.ShapeSize(s)];
            for (int i = 0; i < a.Length; i++) a[i] = fill?.Invoke(k, i, rng) ?? (float)Normal(rng);
            return a;
        }).ToArray();
        var tape = new Tape();
        var vars = inputs.Select((a, k) => new Variable(new Tensor((float[])a.Clone(), shapes[k]), requiresGrad: true)).ToArray();
        var y = op(tape, vars);
        var r = new float[y.Value.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)Normal(rng);

        double[][] AsDouble() => inputs.Select(a => a.Select(v => (double)v).ToArray()).ToArray();
        var refOut = reference(AsDouble());
        Assert.Equal(refOut.Length, y.Value.Length);
        for (int i = 0; i < refOut.Length; i++)
            Assert.True(Math.Abs(y.Value.Span[i] - refOut[i]) <= 1e-5 + 1e-5 * Math.Abs(refOut[i]), $"{name}: forward[{i}] = {y.Value.Span[i]}, double reference {refOut[i]}");

        tape.Backward(y, new Tensor(r, y.Shape));
        double Loss(double[][] x)
        {
            var o = reference(x);
            double s = 0;
            for (int i = 0; i < o.Length; i++) s += r[i] * o[i];
            return s;
        }
        const double H = 1e-6;
        for (int k = 0; k < inputs.Length; k++)
        {
            var grad = vars[k].Grad;
            Assert.NotNull(grad);
            for (int i = 0; i < inputs[k].Length; i++)
            {
                var x = AsDouble();
                x[k][i] += H;
                double up = Loss(x);
                x[k][i] -= 2 * H;
                double down = Loss(x);
                double numeric = (up - down) / (2 * H);
                double analytic = grad!.Span[i];
                Assert.True(Math.Abs(analytic - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"{name}: ∂L/∂input{k}[{i}] = {analytic} on the tape, {numeric} by finite differences in double");
            }
        }
    }

    public static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
