using MLNet.Compression.Quantization;
using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Quantization;

/// <summary>
/// quantize_dynamic(qint8) against PyTorch 1.13's own tensors (../shared/fixtures/ops/quantize_dynamic.safetensors):
/// nn.Linear(48, 64), input [5, 48]. The README records which engines ran (onednn, qnnpack; no fbgemm on that build).
/// </summary>
public class DynamicInt8FixtureTests
{
    private static SafeTensorsFile Fixture() => SafeTensorsFile.Open(SharedData.Fixture("ops", "quantize_dynamic.safetensors"));

    private static Tensor Weight(SafeTensorsFile f) => new(f.ReadFloat32("weight_fp32"), 64, 48);

    public static TheoryData<string, bool, QuantizationEngine> Variants => new()
    {
        { "onednn.per_tensor", false, QuantizationEngine.Onednn },
        { "onednn.per_channel", true, QuantizationEngine.Onednn },
        { "qnnpack.per_tensor", false, QuantizationEngine.Qnnpack },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Int8WeightsAndScales_EqualPyTorch(string variant, bool perChannel, QuantizationEngine engine)
    {
        using var f = Fixture();
        var q = Int8Weight.Quantize(Weight(f), perChannel, engine);
        var expectedQ = f.ReadInt64(variant + ".weight_int8").Select(v => (sbyte)v).ToArray();
        Assert.Equal(expectedQ, q.Values());
        var expectedScales = f.ReadFloat32(variant + (perChannel ? ".weight_scales" : ".weight_scale"));
        Assert.Equal(expectedScales, q.Scales.ToArray());
        Assert.All(f.ReadInt64(variant + (perChannel ? ".weight_zero_points" : ".weight_zero_point")), zp => Assert.Equal(0L, zp));
        Assert.Equal(perChannel ? Int8Weight.PerChannelFormat : Int8Weight.PerTensorFormat, q.Format);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Outputs_AreBitIdenticalToPyTorch_WithEveryKernel(string variant, bool perChannel, QuantizationEngine engine)
    {
        using var f = Fixture();
        var q = Int8Weight.Quantize(Weight(f), perChannel, engine);
        var x = f.ReadFloat32("input");
        var bias = f.ReadFloat32("bias_fp32");
        var expected = f.ReadFloat32(variant + ".output");
        foreach (var kernel in Kernels())
        {
            var y = new float[5 * 64];
            q.MultiplyTransposed(x, 5, bias, y, kernel);
            for (int i = 0; i < y.Length; i++)
                Assert.True(expected[i] == y[i], $"{variant} {kernel}: output {i} is {y[i]:R}, PyTorch {expected[i]:R}");
        }
    }

    [Fact]
    public void ActivationParameters_EqualTheReadme()
    {
        using var f = Fixture();
        var x = f.ReadFloat32("input");
        // README.json "emulation": reduce_range=False → scale 0.023095262751859778, zp 144; True → 0.046372377966332624, zp 72.
        var full = TorchQuantRules.ChooseActivationParams(x.Min(), x.Max(), 0, 255);
        Assert.Equal(0.023095262751859778, full.Scale);
        Assert.Equal(144, full.ZeroPoint);
        var reduced = TorchQuantRules.ChooseActivationParams(x.Min(), x.Max(), 0, 127);
        Assert.Equal(0.046372377966332624, reduced.Scale);
        Assert.Equal(72, reduced.ZeroPoint);
    }

    [Fact]
    public void ActivationParameters_HandWorked()
    {
        // [-1, 3] on [0, 255]: scale = 4/255; zero from min = 0 + 1/(4/255) = 63.75, from max = 255 - 191.25 = 63.75 → 64.
        var p = TorchQuantRules.ChooseActivationParams(-1f, 3f, 0, 255);
        Assert.Equal(4.0 / 255, p.Scale);
        Assert.Equal(64, p.ZeroPoint);
        // All-positive input: the range is widened to contain 0, so zp = 0.
        Assert.Equal(0, TorchQuantRules.ChooseActivationParams(2f, 5f, 0, 127).ZeroPoint);
        // All zeros: scale 0 is replaced by 0.1 (quant_utils.h), zp 0.
        var zero = TorchQuantRules.ChooseActivationParams(0f, 0f, 0, 255);
        Assert.Equal(0.1, zero.Scale);
        Assert.Equal(0, zero.ZeroPoint);
    }

    [Fact]
    public void DenseEquivalent_IsQTimesScale()
    {
        using var f = Fixture();
        var q = Int8Weight.Quantize(Weight(f), perChannel: true, QuantizationEngine.Qnnpack);
        var dense = q.ToDense();
        var values = q.Values();
        for (int o = 0; o < 64; o++)
            for (int k = 0; k < 48; k++)
                Assert.Equal(values[o * 48 + k] * q.Scales[o], dense[o, k]);
        // Quantization error is at most half a step per weight (the largest |w| sits exactly at 127.5 steps and is clamped
        // to 127, which is half a step; the slack covers float rounding of w·(1/scale)).
        var w = Weight(f);
        for (int i = 0; i < w.Length; i++) Assert.True(MathF.Abs(w.Data[i] - dense.Data[i]) <= q.Scales[i / 48] * 0.5001f);
    }

    internal static IEnumerable<Int8Kernel> Kernels()
    {
        yield return Int8Kernel.Scalar;
        if (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported) yield return Int8Kernel.Avx512;
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) yield return Int8Kernel.AvxVnni;
    }
}
