using MLNet.Compression.Export.Onnx;
using MLNet.Compression.Modeling;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Export.Onnx;

/// <summary>
/// One dynamic int8 layer at BERT-base width, exported alone: with <see cref="Int8Activations.Exact"/> ORT computes the
/// engine's (PyTorch's) output bit for bit for every engine's numerics, on inputs with a few hundred thousand activations.
/// </summary>
public class OnnxInt8LayerTests
{
    private static (float[] Engine, float[] Ort, float[] Dense) RunLayer(QuantizationEngine engine, bool perChannel, Int8Activations mode, float inputScale, float shift)
    {
        const int rows = 256, inF = 768, outF = 768;
        var rng = new Random(1);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var w = new Tensor(Enumerable.Range(0, inF * outF).Select(_ => Normal() * 0.02f).ToArray(), outF, inF);
        var x = Enumerable.Range(0, rows * inF).Select(_ => Normal() * inputScale + shift).ToArray();
        var layer = new Linear("layer", LayerRole.FfnUp, Int8Weight.Quantize(w, perChannel, engine), Enumerable.Range(0, outF).Select(_ => Normal() * 0.1f).ToArray());
        var expected = layer.Forward(new Tensor(x, rows, inF)).ReadOnlySpan.ToArray();
        var dense = new Linear("dense", LayerRole.FfnUp, new DenseWeight(w), layer.Bias).Forward(new Tensor(x, rows, inF)).ReadOnlySpan.ToArray();

        var graph = new OnnxGraph();
        var layers = new OnnxLayers(graph, new OnnxExportOptions { Int8Activations = mode }, []);
        string input = graph.Input("x", OnnxType.Float, "rows", inF);
        graph.Output(layers.Linear(input, layer), "y", OnnxType.Float, "rows", outF);
        using var kit = new OnnxTestKit();
        Directory.CreateDirectory(kit.Folder("m"));
        string path = Path.Combine(kit.Folder("m"), "model.onnx");
        graph.Save(path, new Dictionary<string, string>());
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        return (expected, OnnxTestKit.Run(session, [OnnxTestKit.Floats("x", x, rows, inF)])["y"].Values, dense);
    }

    [Theory]
    [InlineData(QuantizationEngine.Fbgemm, false, 1f, 0f)]
    [InlineData(QuantizationEngine.Fbgemm, true, 3f, 1f)]
    [InlineData(QuantizationEngine.Qnnpack, false, 1f, 0f)]
    [InlineData(QuantizationEngine.Onednn, true, 1f, 0f)]
    [InlineData(QuantizationEngine.Fbgemm, false, 1e-6f, 0f)]   // a range below SMALL_SCALE_THRESHOLD
    [InlineData(QuantizationEngine.Qnnpack, false, 1e-6f, 1e-5f)] // small and all positive: min = 0
    public void ExactActivations_GiveTheEnginesOutputBitForBit(QuantizationEngine engine, bool perChannel, float inputScale, float shift)
    {
        var (expected, ort, _) = RunLayer(engine, perChannel, Int8Activations.Exact, inputScale, shift);
        Assert.Equal(expected.Length, ort.Length);
        int differing = expected.Zip(ort).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
        Assert.True(differing == 0, $"{differing} of {expected.Length} outputs differ; max {OnnxTestKit.MaxDiff(expected, ort):G4}");
    }

    [Fact]
    public void FastActivations_AreAnother8BitQuantization_CloserToFloatThanThe7BitEngine()
    {
        var (engine, fast, dense) = RunLayer(QuantizationEngine.Fbgemm, false, Int8Activations.Fast, 1f, 0f);
        float engineError = OnnxTestKit.MaxDiff(dense, engine), fastError = OnnxTestKit.MaxDiff(dense, fast);
        // DynamicQuantizeLinear's 8-bit codes are not the engine's 7-bit (reduce_range) ones, so the outputs differ; with
        // twice the activation resolution they are nearer the float product.
        Assert.True(OnnxTestKit.MaxDiff(engine, fast) > 1e-3f);
        Assert.True(fastError < engineError, $"fast error {fastError:G4} is not below the 7-bit engine's {engineError:G4}");
    }
}
