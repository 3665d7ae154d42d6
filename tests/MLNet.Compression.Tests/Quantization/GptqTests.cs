using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Quantization;

public class GptqTests
{
    /// <summary>Inputs with strongly correlated features (a few latent factors plus noise), where error compensation pays.</summary>
    private static Tensor CorrelatedInputs(int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        int factors = 6;
        var mix = new double[factors * cols];
        for (int i = 0; i < mix.Length; i++) mix[i] = rng.NextDouble() * 2 - 1;
        var x = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            var z = Enumerable.Range(0, factors).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            for (int c = 0; c < cols; c++)
            {
                double v = 0.1 * (rng.NextDouble() * 2 - 1);
                for (int f = 0; f < factors; f++) v += z[f] * mix[f * cols + c];
                x[r * cols + c] = (float)v;
            }
        }
        return new Tensor(x, rows, cols);
    }

    /// <summary>‖X·Wᵀ − X·Ŵᵀ‖² over the calibration rows: the objective GPTQ minimises.</summary>
    private static double ReconstructionError(Tensor x, Tensor w, Tensor q)
    {
        int rows = x.Dim(0), inF = x.Dim(1), outF = w.Dim(0);
        double err = 0;
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double d = 0;
                for (int k = 0; k < inF; k++) d += x.Data[r * inF + k] * ((double)w.Data[o * inF + k] - q.Data[o * inF + k]);
                err += d * d;
            }
        return err;
    }

    [Theory]
    [InlineData(4, 32, false)]
    [InlineData(3, 0, false)]
    [InlineData(2, 32, true)]
    [InlineData(4, 32, true)]
    public void Gptq_ReconstructsBetterThanRtn_AtTheSameBits(int bits, int groupSize, bool actOrder)
    {
        const int inF = 64, outF = 24;
        var x = CorrelatedInputs(512, inF, seed: 7);
        var w = WeightFormTests.Random(outF, inF, seed: 8);
        var h = new HessianAccumulator(inF);
        h.Add(x.ReadOnlySpan[..(256 * inF)], 256);
        h.Add(x.ReadOnlySpan[(256 * inF)..], 256); // two batches: the running sum equals one big batch
        var gptq = GptqQuantizer.Quantize(w, h.Hessian(), new GptqQuantizer.Settings(bits, groupSize, false, BlockSize: 16, ActOrder: actOrder));
        var rtn = RtnQuantizer.Quantize(w, bits, groupSize, false);
        double eG = ReconstructionError(x, w, gptq.ToDense()), eR = ReconstructionError(x, w, rtn.ToDense());
        Assert.True(eG < 0.8 * eR, $"GPTQ error {eG:G4} should be well below RTN's {eR:G4}");
        Assert.Equal(bits, gptq.Bits);
        Assert.Equal(rtn.StorageBytes, gptq.StorageBytes);
    }

    [Fact]
    public void Hessian_IsTwiceTheMeanOuterProduct()
    {
        // Rows (1, 2) and (3, 0): Σ x xᵀ = [[1+9, 2], [2, 4]]; 2/N with N = 2 → [[10, 2], [2, 4]].
        var h = new HessianAccumulator(2);
        h.Add([1f, 2f, 3f, 0f], 2);
        Assert.Equal([10.0, 2.0, 2.0, 4.0], h.Hessian());
    }

    [Fact]
    public void InverseCholesky_HandWorked()
    {
        // H = [[4, 2], [2, 3]]: H⁻¹ = 1/8 [[3, -2], [-2, 4]]. UᵀU = H⁻¹ with U upper: u00 = sqrt(3/8),
        // u01 = (-2/8)/u00, u11 = sqrt(4/8 - u01²).
        var u = GptqQuantizer.InverseCholeskyUpper([4, 2, 2, 3], 2);
        double u00 = Math.Sqrt(3.0 / 8), u01 = -0.25 / u00, u11 = Math.Sqrt(0.5 - u01 * u01);
        Assert.Equal(u00, u[0], 12);
        Assert.Equal(u01, u[1], 12);
        Assert.Equal(0.0, u[2]);
        Assert.Equal(u11, u[3], 12);
    }

    [Fact]
    public void DeadInputs_AreZeroed_AndANonPositiveHessianIsReported()
    {
        var w = WeightFormTests.Random(4, 16, 3);
        var h = new double[16 * 16];
        for (int i = 0; i < 15; i++) h[i * 16 + i] = 1; // input 15 never fired
        var q = GptqQuantizer.Quantize(w, h, new GptqQuantizer.Settings(4, 0, true));
        for (int o = 0; o < 4; o++) Assert.Equal(0f, q.ToDense()[o, 15]);
        var bad = new double[4];
        bad[0] = 1; bad[3] = -1;
        Assert.Contains("percdamp", Assert.Throws<InvalidOperationException>(() => GptqQuantizer.Quantize(WeightFormTests.Random(2, 2, 1), bad, new GptqQuantizer.Settings(4, 0, false, PercentDamp: 0))).Message);
    }
}
