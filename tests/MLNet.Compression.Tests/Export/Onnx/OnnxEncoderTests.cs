using MLNet.Compression.Export.Onnx;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;

namespace MLNet.Compression.Tests.Export.Onnx;

/// <summary>The encoder families exported to ONNX and run in ONNX Runtime give this engine's outputs.</summary>
public class OnnxEncoderTests
{
    /// <summary>float32 in both runtimes; only summation order differs.</summary>
    internal const float Float32Tolerance = 1e-4f;

    internal static ModelInput EncoderInput(LanguageModel model, int seed, out TokenBatch tokens, out int[]? types)
    {
        int pad = model.Generation.PadTokenId ?? 0;
        tokens = OnnxTestKit.PaddedBatch(model.VocabSize, 7, 3, pad, seed);
        types = model.ModelType is "bert" or "albert" ? Enumerable.Range(0, 14).Select(i => i % 7 >= 4 ? 1 : 0).ToArray() : null;
        return new ModelInput(tokens, types);
    }

    internal static List<Microsoft.ML.OnnxRuntime.NamedOnnxValue> OnnxInputs(TokenBatch tokens, int[]? types)
    {
        var inputs = new List<Microsoft.ML.OnnxRuntime.NamedOnnxValue>
        {
            OnnxTestKit.Longs("input_ids", tokens.Ids, 2, tokens.Length),
            OnnxTestKit.Longs("attention_mask", tokens.Mask, 2, tokens.Length),
        };
        if (types is not null) inputs.Add(OnnxTestKit.Longs("token_type_ids", types, 2, tokens.Length));
        return inputs;
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("roberta")]
    [InlineData("distilbert")]
    [InlineData("albert")]
    public void MaskedLM_Float32_LogitsMatchTheEngine_OnAPaddedBatchOfTwo(string fixture)
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture(fixture);
        var input = EncoderInput(model, seed: 11, out var tokens, out var types);
        var expected = model.Forward(input).Logits;

        var (session, report) = kit.Export(model, fixture);
        using var _ = session;
        Assert.Equal(model.ModelType is "bert" or "albert", session.InputMetadata.ContainsKey("token_type_ids"));
        var outputs = OnnxTestKit.Run(session, OnnxInputs(tokens, types));

        Assert.Equal([2, 7, model.VocabSize], outputs["logits"].Shape);
        OnnxTestKit.AssertClose(expected.ReadOnlySpan, outputs["logits"].Values, Float32Tolerance, fixture);
        Assert.False(report.ExternalData);
        Assert.All(report.Forms.Keys, k => Assert.Equal("MatMul (float32)", k));
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("albert")]
    public void BareEncoder_LastHiddenStateAndPooler_MatchTheEngine(string fixture)
    {
        using var kit = new OnnxTestKit();
        // A bare encoder as BertModel.save_pretrained writes it; the fixture's masked LM gives the encoder weights.
        string bare = kit.Folder("bare");
        HuggingFaceExporter.Save(OnnxTestKit.Fixture(fixture), bare, encoderOnly: true);
        AddPooler(bare, fixture == "bert" ? "pooler.dense" : "pooler");
        var model = ModelLoader.Load(bare);
        Assert.Equal(ModelKind.Encoder, model.Kind);
        var input = EncoderInput(model, seed: 5, out var tokens, out var types);
        var expected = model.Forward(input);

        var (session, _) = kit.Export(model, "onnx");
        using var _s = session;
        var outputs = OnnxTestKit.Run(session, OnnxInputs(tokens, types));

        Assert.DoesNotContain("logits", outputs.Keys);
        Assert.Equal([2, 7, model.HiddenSize], outputs["last_hidden_state"].Shape);
        OnnxTestKit.AssertClose(expected.LastHiddenState!.ReadOnlySpan, outputs["last_hidden_state"].Values, Float32Tolerance, "last_hidden_state");
        Assert.Equal([2, model.HiddenSize], outputs["pooler_output"].Shape);
        OnnxTestKit.AssertClose(expected.PoolerOutput!.ReadOnlySpan, outputs["pooler_output"].Values, Float32Tolerance, "pooler_output");
    }

    /// <summary>Adds a random pooler "{key}.weight/.bias" to a bare encoder's model.safetensors (the fixtures are masked LMs, which have none).</summary>
    private static void AddPooler(string folder, string key)
    {
        string path = Path.Combine(folder, "model.safetensors");
        var writer = new SafeTensorsWriter();
        int h;
        using (var file = SafeTensorsFile.Open(path))
        {
            foreach (var t in file.Tensors) writer.Add(t.Name, file.ReadFloat32(t.Name), t.Shape);
            // The hidden width: the attention LayerNorm's (ALBERT's embeddings are narrower).
            h = file.Tensors.Where(t => t.Name.EndsWith("attention.LayerNorm.weight", StringComparison.Ordinal) || t.Name.EndsWith("attention.output.LayerNorm.weight", StringComparison.Ordinal)).Select(t => t.Shape[0]).First();
        }
        var rng = new Random(3);
        writer.Add(key + ".weight", Enumerable.Range(0, h * h).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.4f).ToArray(), h, h);
        writer.Add(key + ".bias", Enumerable.Range(0, h).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray(), h);
        writer.Save(path);
    }
}
