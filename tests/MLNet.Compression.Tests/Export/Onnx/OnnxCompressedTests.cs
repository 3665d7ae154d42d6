using MLNet.Compression.Export.Onnx;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Export.Onnx;

/// <summary>
/// Compressed models exported to ONNX give this engine's outputs on the same compressed model, within the tolerance each
/// form's ONNX mapping allows (docs/FORMATS.md, "ONNX export"), and keep their form where ORT's CPU provider has a kernel.
/// </summary>
public class OnnxCompressedTests(ITestOutputHelper output)
{
    /// <summary>
    /// Dynamic int8 (exact activations): each int8 layer computes the engine's output bit for bit given the same input
    /// (OnnxInt8LayerTests), but its input comes from float32 ops whose summation order differs between the runtimes by
    /// ~1e-7, which can move an activation across a rounding boundary: one activation step (sx·sw·w) in the outputs of that
    /// row, carried on by later layers. On the fixtures no code differed (≤ 2e-6); the tolerance allows for such a flip.
    /// </summary>
    internal const float Int8Tolerance = 1e-3f;

    public static TheoryData<string, string, float> Cases() => new()
    {
        { "bert", "magnitude-0.5", OnnxEncoderTests.Float32Tolerance },
        { "bert", "magnitude-0.8-csr", OnnxEncoderTests.Float32Tolerance },
        { "bert", "int8-fbgemm", Int8Tolerance },
        { "bert", "int8-qnnpack-per-channel", Int8Tolerance },
        { "bert", "int8-onednn", Int8Tolerance },
        { "bert", "rtn4-g32", OnnxEncoderTests.Float32Tolerance },
        { "bert", "rtn4-g128", OnnxEncoderTests.Float32Tolerance },
        { "bert", "rtn4-g32-symmetric", OnnxEncoderTests.Float32Tolerance },
        { "bert", "rtn8-g32", OnnxEncoderTests.Float32Tolerance },
        { "bert", "rtn2-g16", OnnxEncoderTests.Float32Tolerance },
        { "bert", "rtn3-g32", OnnxEncoderTests.Float32Tolerance },
        { "bert", "fp16", OnnxEncoderTests.Float32Tolerance },
        { "bert", "bf16", OnnxEncoderTests.Float32Tolerance },
        { "albert", "int8-fbgemm", Int8Tolerance },
        { "gpt2", "int8-fbgemm", Int8Tolerance },
        { "llama", "rtn4-g32", OnnxEncoderTests.Float32Tolerance },
        { "llama", "fp16", OnnxEncoderTests.Float32Tolerance },
        { "opt", "magnitude-0.8-csr", OnnxEncoderTests.Float32Tolerance },
    };

    internal static LanguageModel Compress(LanguageModel model, string form)
    {
        var ctx = new CompressionContext(seed: 1);
        IModelEstimator<ModelTransformer> estimator = form switch
        {
            "magnitude-0.5" => ctx.Pruning.Magnitude(0.5, ModuleGroup.All),
            "magnitude-0.8-csr" => ctx.Pruning.Magnitude(0.8, ModuleGroup.All),
            "int8-fbgemm" => ctx.Quantization.DynamicInt8(ModuleGroup.All),
            "int8-qnnpack-per-channel" => ctx.Quantization.DynamicInt8(ModuleGroup.All, perChannel: true, engine: QuantizationEngine.Qnnpack),
            "int8-onednn" => ctx.Quantization.DynamicInt8(ModuleGroup.All, engine: QuantizationEngine.Onednn),
            "rtn4-g32" => ctx.Quantization.WeightOnly(bits: 4, groupSize: 32, groups: ModuleGroup.All),
            "rtn4-g128" => ctx.Quantization.WeightOnly(bits: 4, groupSize: 128, groups: ModuleGroup.All),
            "rtn4-g32-symmetric" => ctx.Quantization.WeightOnly(bits: 4, groupSize: 32, symmetric: true, groups: ModuleGroup.All),
            "rtn8-g32" => ctx.Quantization.WeightOnly(bits: 8, groupSize: 32, groups: ModuleGroup.All),
            "rtn2-g16" => ctx.Quantization.WeightOnly(bits: 2, groupSize: 16, groups: ModuleGroup.All),
            "rtn3-g32" => ctx.Quantization.WeightOnly(bits: 3, groupSize: 32, groups: ModuleGroup.All),
            "fp16" => ctx.Quantization.Float16(ModuleGroup.All),
            "bf16" => ctx.Quantization.BFloat16(ModuleGroup.All),
            _ => throw new ArgumentException(form),
        };
        return estimator.Fit(model).Model;
    }

    /// <summary>The ONNX form the compressed layers must end up in (the start of keys of the export report's Forms).</summary>
    private static string ExpectedForm(string form) => form switch
    {
        "magnitude-0.5" => "MatMul (float32)",
        "magnitude-0.8-csr" => "MatMul (float32, from sparse-csr)",
        "int8-fbgemm" or "int8-qnnpack-per-channel" or "int8-onednn" => "MatMulInteger (int8 weights, activations quantized as the engine does)",
        "rtn4-g32" or "rtn4-g32-symmetric" => "MatMulNBits (4-bit, block 32)",
        "rtn4-g128" => "MatMulNBits (4-bit, block ", // rows of 64 or 128 inputs: groups of min(128, in), blocks of 64 and 128
        "rtn8-g32" => "MatMulNBits (8-bit, block 32)",
        "rtn2-g16" => "MatMulNBits (2-bit, block 16)",
        "rtn3-g32" => "MatMul (float32, dequantized k-bit)",
        "fp16" => "Cast(float16) + MatMul",
        "bf16" => "Cast(bfloat16) + MatMul",
        _ => throw new ArgumentException(form),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CompressedModel_InOrt_MatchesTheEnginesCompressedModel(string fixture, string form, float tolerance)
    {
        using var kit = new OnnxTestKit();
        var model = Compress(OnnxTestKit.Fixture(fixture), form);
        var (session, report) = kit.Export(model, form);
        using var _ = session;
        Dictionary<string, (float[] Values, int[] Shape)> outputs;
        MLNet.Compression.Tensors.Tensor expected;
        if (model.Kind == ModelKind.CausalLM)
        {
            var tokens = OnnxTestKit.PaddedBatch(model.VocabSize, 7, 3, model.Generation.PadTokenId ?? 0, seed: 4);
            expected = model.Forward(new ModelInput(tokens)).Logits;
            outputs = OnnxTestKit.Run(session, OnnxDecoderTests.DecoderInputs(session, tokens, tokens.Mask, 0, null));
        }
        else
        {
            var input = OnnxEncoderTests.EncoderInput(model, seed: 4, out var tokens, out var types);
            expected = model.Forward(input).Logits;
            outputs = OnnxTestKit.Run(session, OnnxEncoderTests.OnnxInputs(tokens, types));
        }
        float diff = OnnxTestKit.MaxDiff(expected.ReadOnlySpan, outputs["logits"].Values);
        output.WriteLine($"{fixture} {form}: max |engine − ORT| = {diff:G4}; forms: {string.Join(", ", report.Forms.Select(kv => $"{kv.Key} ×{kv.Value}"))}");
        foreach (var line in report.Log.Take(3)) output.WriteLine("  " + line);
        Assert.True(diff <= tolerance, $"{fixture} {form}: max |engine − ORT| = {diff:G4} > {tolerance:G4}");

        // Every compressed layer (all but the head) is in the expected form; the head stays float32.
        string expectedForm = ExpectedForm(form);
        int n = report.Forms.Where(kv => kv.Key.StartsWith(expectedForm, StringComparison.Ordinal)).Sum(kv => kv.Value);
        int compressedLayers = model.Linears.Count(l => l.Role != LayerRole.Head);
        Assert.True(n >= compressedLayers, $"{n} layers as {expectedForm}, {compressedLayers} compressed");
        bool logged = expectedForm.Contains("from sparse-csr", StringComparison.Ordinal) || expectedForm.Contains("dequantized", StringComparison.Ordinal);
        Assert.Equal(logged, report.Log.Count > 0);
    }

    [Fact]
    public void Int8WithFastActivations_StaysAsCloseToTheFloatModelAsTheEnginesInt8()
    {
        using var kit = new OnnxTestKit();
        var dense = OnnxTestKit.Fixture("bert");
        var model = Compress(dense, "int8-fbgemm");
        var (session, report) = kit.Export(model, "fast", new OnnxExportOptions { Int8Activations = Int8Activations.Fast });
        using var _ = session;
        Assert.Equal(12, report.Forms["MatMulInteger (int8 weights, DynamicQuantizeLinear activations)"]);
        var input = OnnxEncoderTests.EncoderInput(model, seed: 4, out var tokens, out var types);
        var floatLogits = dense.Forward(input).Logits.ReadOnlySpan.ToArray();
        var engineInt8 = model.Forward(input).Logits.ReadOnlySpan.ToArray();
        var fast = OnnxTestKit.Run(session, OnnxEncoderTests.OnnxInputs(tokens, types))["logits"].Values;
        float engineError = OnnxTestKit.MaxDiff(floatLogits, engineInt8), fastError = OnnxTestKit.MaxDiff(floatLogits, fast);
        output.WriteLine($"max |float − engine int8| = {engineError:G4}, max |float − ORT fast int8| = {fastError:G4}, max |engine − fast| = {OnnxTestKit.MaxDiff(engineInt8, fast):G4}");
        // A different quantization of the activations (8-bit, ORT's rounding): not the engine's numbers, but no further
        // from the float model than the engine's own 7-bit int8 (with a margin for which side of the noise each lands on).
        Assert.True(fastError <= 1.5f * engineError, $"fast int8 error {fastError:G4} vs engine int8 error {engineError:G4}");
    }
}
