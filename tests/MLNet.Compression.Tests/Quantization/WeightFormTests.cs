using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Quantization;

public class WeightFormTests
{
    internal static Tensor Random(int rows, int cols, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var d = new float[rows * cols];
        for (int i = 0; i < d.Length; i++) d[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return new Tensor(d, rows, cols);
    }

    private static float[] DenseProduct(Tensor x, Tensor w)
    {
        int rows = x.Dim(0), inF = x.Dim(1), outF = w.Dim(0);
        var y = new float[rows * outF];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outF; o++)
            {
                double s = 0;
                for (int k = 0; k < inF; k++) s += (double)x.Data[r * inF + k] * w.Data[o * inF + k];
                y[r * outF + o] = (float)s;
            }
        return y;
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual, float tol)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tol * (1 + MathF.Abs(expected[i])), $"{i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Rtn_HandWorkedRow()
    {
        // Row [-1, 0, 0.5, 2], 2 bits, asymmetric, one group: range [-1, 2], scale = 3/3 = 1, zero = round(1/1) = 1.
        // codes: round(-1)+1 = 0, 0+1 = 1, round(0.5)=0 (half to even)+1 = 1, 2+1 = 3 → values -1, 0, 0, 2.
        var w = RtnQuantizer.Quantize(new Tensor([-1f, 0f, 0.5f, 2f], 1, 4), bits: 2, groupSize: 0, symmetric: false);
        Assert.Equal([0, 1, 1, 3], Enumerable.Range(0, 4).Select(c => w.Code(0, c)));
        Assert.Equal([-1f, 0f, 0f, 2f], w.ToDense().Data);
        Assert.Equal(1f, w.Scale(0, 0));
        Assert.Equal(1f, w.Zero(0, 0));
        // Symmetric 2 bits: max|w| = 2, range [-2, 2], scale 4/3, zero (3+1)/2 = 2; 0.5/(4/3) = 0.375 → 0 → code 2 → value 0.
        var s = RtnQuantizer.Quantize(new Tensor([-1f, 0f, 0.5f, 2f], 1, 4), bits: 2, groupSize: 0, symmetric: true);
        Assert.Equal([1, 2, 2, 3], Enumerable.Range(0, 4).Select(c => s.Code(0, c)));
    }

    [Theory]
    [InlineData(2, 64)]
    [InlineData(3, 32)]
    [InlineData(4, 128)]
    [InlineData(8, 16)]
    [InlineData(4, 0)]
    public void KBit_DenseIsTheGrid_AndKernelsMatchTheDenseProduct(int bits, int groupSize)
    {
        var wf = Random(40, 200, seed: bits * 100 + groupSize, scale: 0.5f); // in = 200: a ragged last chunk and group
        var q = RtnQuantizer.Quantize(wf, bits, groupSize, symmetric: false);
        var dense = q.ToDense();
        int gs = q.GroupSize;
        for (int o = 0; o < 40; o++)
            for (int c = 0; c < 200; c++)
            {
                var grid = GroupGrid.Fit(wf.ReadOnlySpan.Slice(o * 200 + c / gs * gs, Math.Min(gs, 200 - c / gs * gs)), bits, false);
                Assert.Equal(grid.Code(wf[o, c]), q.Code(o, c));
                Assert.Equal(grid.Round(wf[o, c]), dense[o, c]);
            }
        foreach (int rows in new[] { 1, 3, 9 }) // GEMV (in registers) and the dequantized-tile GEMM
        {
            var x = Random(rows, 200, seed: rows);
            var y = new float[rows * 40];
            q.MultiplyTransposed(x.ReadOnlySpan, rows, y);
            AssertClose(DenseProduct(x, dense), y, 1e-4f);
        }
    }

    [Theory]
    [InlineData(32, 64, true)]
    [InlineData(64, 256, false)]
    [InlineData(128, 1024, false)]   // n·k ≥ 2^18: the rows are split over threads
    [InlineData(256, 1024, true)]
    public void KBit_FourBitGemvOfWholeBlocks_MatchesTheDenseProduct(int groupSize, int outFeatures, bool symmetric)
    {
        // in = 256: whole 32-column blocks, so batch 1 and 2 take the nibble-splitting 4-bit GEMV.
        var wf = Random(outFeatures, 256, seed: groupSize, scale: 0.5f);
        var q = RtnQuantizer.Quantize(wf, 4, groupSize, symmetric);
        var dense = q.ToDense();
        foreach (int rows in new[] { 1, 2 })
        {
            var x = Random(rows, 256, seed: 7 + rows);
            var y = new float[rows * outFeatures];
            q.MultiplyTransposed(x.ReadOnlySpan, rows, y);
            AssertClose(DenseProduct(x, dense), y, 1e-4f);
        }
    }

    [Fact]
    public void KBit_StorageBytes_IsThePackedSize()
    {
        // 64 × 256 at 4 bits, groups of 128, asymmetric: codes 64·256/2 = 8192 B, scales 64·2·4 = 512 B, zero points 64·2 = 128 B.
        var q = RtnQuantizer.Quantize(Random(64, 256, 1), 4, 128, symmetric: false);
        Assert.Equal(8192 + 512 + 128, q.StorageBytes);
        // 3 bits, symmetric (no zero points stored): 64·256·3/8 = 6144 B + 512 B of scales.
        Assert.Equal(6144 + 512, RtnQuantizer.Quantize(Random(64, 256, 1), 3, 128, symmetric: true).StorageBytes);
        // 4-bit with groups of 128 is 4.25 bits per weight: under 1/6 of float32 (5.33 bits).
        Assert.True(q.StorageBytes * 6 < 64 * 256 * 4);
    }

    [SkippableFact]
    public void Half_WidenInRegisters_EqualsTheScalarConversion_ForAll65536Patterns()
    {
        Skip.IfNot(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "no AVX-512 on this CPU: the scalar conversion is the only path, so there is nothing to compare it with.");
        foreach (var kind in new[] { HalfKind.Float16, HalfKind.BFloat16 })
            for (int start = 0; start < 65536; start += 16)
            {
                var bits = new ushort[16];
                for (int i = 0; i < 16; i++) bits[i] = (ushort)(start + i);
                var v = HalfWeight.Widen(System.Runtime.Intrinsics.Vector256.Create(bits), kind);
                for (int i = 0; i < 16; i++)
                {
                    float expected = HalfWeight.FromBits(bits[i], kind), actual = v[i];
                    Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual) || float.IsNaN(expected) && float.IsNaN(actual),
                        $"{kind} 0x{bits[i]:X4}: {expected} vs {actual}");
                }
            }
    }

    [Fact]
    public void BFloat16_RoundsToNearestEven()
    {
        // 1 + 2^-8 is exactly half way between bf16 1.0 and 1 + 2^-7: ties to even → 1.0 (0x3F80).
        Assert.Equal(0x3F80, HalfWeight.ToBFloat16(1f + 1f / 256));
        // 1 + 3·2^-8 is half way between 1 + 2^-7 (odd mantissa 1) and 1 + 2^-6: → even, 1 + 2^-6 (0x3F82).
        Assert.Equal(0x3F82, HalfWeight.ToBFloat16(1f + 3f / 256));
        Assert.Equal(0x7FC0, HalfWeight.ToBFloat16(float.NaN));
    }

    [Theory]
    [InlineData(HalfKind.Float16)]
    [InlineData(HalfKind.BFloat16)]
    public void Half_HalvesMemory_AndMultipliesAsItsDenseForm(HalfKind kind)
    {
        var w = Random(50, 70, 3);
        var h = new HalfWeight(w, kind);
        Assert.Equal(50 * 70 * 2, h.StorageBytes);
        var dense = h.ToDense();
        for (int i = 0; i < w.Length; i++)
            Assert.Equal(kind == HalfKind.Float16 ? (float)(Half)w.Data[i] : HalfWeight.FromBits(HalfWeight.ToBFloat16(w.Data[i]), kind), dense.Data[i]);
        foreach (int rows in new[] { 1, 6 })
        {
            var x = Random(rows, 70, rows + 10);
            var y = new float[rows * 50];
            h.MultiplyTransposed(x.ReadOnlySpan, rows, y);
            AssertClose(DenseProduct(x, dense), y, 1e-4f);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Int8Kernels_AgreeExactly_OnRaggedShapes(bool eightBitEngine)
    {
        var engine = eightBitEngine ? QuantizationEngine.Qnnpack : QuantizationEngine.Fbgemm;
        var w = Int8Weight.Quantize(Random(37, 61, 5), perChannel: true, engine); // 37 outputs: a ragged panel; 61 inputs: k padding
        var x = Random(11, 61, 6, scale: 3f); // 11 rows: a ragged micro-tile
        var dense = w.ToDense();
        var results = DynamicInt8FixtureTests.Kernels().Select(k =>
        {
            var y = new float[11 * 37];
            w.MultiplyTransposed(x.ReadOnlySpan, 11, ReadOnlySpan<float>.Empty, y, k);
            return y;
        }).ToList();
        foreach (var r in results) Assert.Equal(results[0], r);
        // And within the rounding bound of the float product with the int8 weights: each activation moves at most half a
        // step, (max − min)/qmax / 2, so |error| ≤ step/2 · Σ|w| per output.
        var reference = DenseProduct(x, dense);
        float step = (x.Data.Max() - MathF.Min(0, x.Data.Min())) / (eightBitEngine ? 255f : 127f);
        for (int i = 0; i < reference.Length; i++)
        {
            int o = i % 37;
            float sumAbsW = 0;
            for (int k = 0; k < 61; k++) sumAbsW += MathF.Abs(dense[o, k]);
            Assert.True(MathF.Abs(reference[i] - results[0][i]) <= step / 2 * sumAbsW * 1.001f + 1e-4f, $"{i}: {reference[i]} vs {results[0][i]}");
        }
    }

    [Fact]
    public void EveryForm_SavesAndReadsBackExactly()
    {
        var w = Random(33, 48, 9);
        IPersistentWeight[] forms =
        [
            Int8Weight.Quantize(w, false, QuantizationEngine.Onednn), Int8Weight.Quantize(w, true, QuantizationEngine.Qnnpack),
            new HalfWeight(w, HalfKind.Float16), new HalfWeight(w, HalfKind.BFloat16),
            RtnQuantizer.Quantize(w, 3, 16, false), RtnQuantizer.Quantize(w, 4, 32, true),
        ];
        string dir = Path.Combine(Path.GetTempPath(), "quant-roundtrip-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var writer = new SafeTensorsWriter();
            var meta = forms.Select((f, i) => f.Save(writer, $"layer{i}.weight")).ToList();
            writer.Save(Path.Combine(dir, "model.safetensors"));
            using var file = SafeTensorsCheckpoint.Open(dir);
            for (int i = 0; i < forms.Length; i++)
            {
                Assert.True(WeightFormats.TryGet(forms[i].Format, out var reader), forms[i].Format);
                var back = reader(file, $"layer{i}.weight", meta[i]);
                Assert.Equal(forms[i].Format, back.Format);
                Assert.Equal(forms[i].StorageBytes, back.StorageBytes);
                Assert.Equal(forms[i].ToDense().Data, back.ToDense().Data);
            }
            // A missing tensor names the key.
            WeightFormats.TryGet(KBitWeight.FormatName, out var kbit);
            var e = Assert.Throws<CheckpointException>(() => kbit(file, "nope.weight", meta[4]));
            Assert.Contains("nope.weight.qweight", e.Message);
            var bad = new Dictionary<string, string>(meta[4]) { ["bits"] = "x" };
            Assert.Contains("\"bits\"", Assert.Throws<CheckpointException>(() => kbit(file, "layer4.weight", bad)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
