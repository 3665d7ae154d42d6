using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.T5;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>
/// T5EncoderModel checkpoints (the T5 fixtures without decoder and LM head, config naming T5EncoderModel): a bare
/// encoder whose hidden states are Hugging Face's encoder_hidden_states of the full model's reference; the exporter's
/// encoder-only T5 folder is one; it compresses, saves and reloads as an encoder, and encodes sentences.
/// </summary>
public sealed class T5EncoderModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("t5-encoder-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>The fixture's shared embedding and encoder only, as T5EncoderModel.save_pretrained writes them.</summary>
    private string EncoderOnly(string arch)
    {
        string src = SharedData.Fixture("models", arch), dir = Path.Combine(_root, arch);
        Directory.CreateDirectory(dir);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!.AsObject();
        config["architectures"] = new JsonArray("T5EncoderModel");
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        var writer = new SafeTensorsWriter();
        using (var file = SafeTensorsFile.Open(Path.Combine(src, "model.safetensors")))
            foreach (var t in file.Tensors.Where(t => !t.Name.StartsWith("decoder.", StringComparison.Ordinal) && !t.Name.StartsWith("lm_head.", StringComparison.Ordinal)))
                writer.Add(t.Name, file.ReadFloat32(t.Name), t.Shape);
        writer.Save(Path.Combine(dir, "model.safetensors"));
        return dir;
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("t5_v1_1")]
    public void AT5EncoderCheckpoint_IsABareEncoder_GivingTheReferencesEncoderHiddenStates(string arch)
    {
        using var reference = new ReferenceFixture(arch);
        var model = ModelLoader.Load(EncoderOnly(arch));
        Assert.IsType<T5EncoderModel>(model);
        Assert.Equal(ModelKind.Encoder, model.Kind);
        Assert.DoesNotContain(model.Linears, l => l.Role == LayerRole.Head || l.Name.StartsWith("decoder.", StringComparison.Ordinal));

        var tokens = reference.Batch("input_ids", "attention_mask");
        var output = model.Forward(new ModelInput(tokens), new ForwardOptions { OutputHiddenStates = true });
        Assert.Equal(0, output.Logits.Length);
        Assert.Equal(model.LayerCount + 1, output.HiddenStates.Count);
        for (int i = 0; i < output.HiddenStates.Count; i++)
            TensorAssert.CloseAtMask($"{arch} encoder_hidden_states.{i}", reference.Float($"encoder_hidden_states.{i}"), output.HiddenStates[i], tokens.Mask);
        TensorAssert.CloseAtMask($"{arch} encoder_last_hidden_state", reference.Float("encoder_last_hidden_state"), output.LastHiddenState!, tokens.Mask);
    }

    [Fact]
    public void TheExportersEncoderOnlyT5_Compresses_SavesAndReloadsAsAnEncoder_AndEncodesSentences()
    {
        string source = SharedData.Fixture("models", "t5_tiny");
        var full = ModelLoader.Load(source);
        string exported = Path.Combine(_root, "exported");
        HuggingFaceExporter.Save(full, exported, source, encoderOnly: true);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "config.json")))!;
        Assert.Equal("T5EncoderModel", config["architectures"]![0]!.GetValue<string>());
        using (var file = SafeTensorsFile.Open(Path.Combine(exported, "model.safetensors")))
            Assert.DoesNotContain(file.Tensors, t => t.Name.StartsWith("decoder.", StringComparison.Ordinal) || t.Name.StartsWith("lm_head.", StringComparison.Ordinal));
        var encoder = ModelLoader.Load(exported);
        Assert.Equal(ModelKind.Encoder, encoder.Kind);

        // The same numbers as the full model's encoder half.
        var tokens = new TokenBatch(1, 5, [3, 8, 12, 5, 1]);
        var expected = ((Seq2SeqLanguageModel)full).Encode(tokens).LastHiddenState;
        Assert.Equal(expected.ReadOnlySpan.ToArray(), encoder.Forward(new ModelInput(tokens)).LastHiddenState!.ReadOnlySpan.ToArray());

        // 4-bit RTN on every encoder linear layer; the compressed folder reloads as the same kind with the same output.
        var compressed = new CompressionContext(seed: 1).Quantization.WeightOnly(bits: 4, groupSize: 16).Fit(encoder);
        Assert.All(compressed.Model.Linears, l => Assert.IsNotType<DenseWeight>(l.Weight));
        string saved = Path.Combine(_root, "rtn");
        compressed.Save(saved, new CompressedModel.SaveOptions { Source = exported });
        var reloaded = ModelLoader.Load(saved);
        Assert.IsType<T5EncoderModel>(reloaded);
        Assert.Equal(compressed.Model.Forward(new ModelInput(tokens)).LastHiddenState!.ReadOnlySpan.ToArray(),
                     reloaded.Forward(new ModelInput(tokens)).LastHiddenState!.ReadOnlySpan.ToArray());

        // Mean-pooled sentence vectors (sentence-T5's pooling) from the folder, equal to the full model's encoder half.
        var fromFolder = SentenceEncoder.Load(exported).Encode(["the cat sat", "a dog"]);
        var fromFull = new SentenceEncoder(full, SentenceEncoder.Load(exported).Tokenizer).Encode(["the cat sat", "a dog"]);
        Assert.Equal(encoder.HiddenSize, fromFolder[0].Length);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < fromFolder[i].Length; j++) Assert.Equal(fromFull[i][j], fromFolder[i][j], 1e-5f);
    }

    [Fact]
    public void ARandomT5_FollowsTheArchitecturesOfItsConfig()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Fixture("models", "t5"), "config.json")))!.AsObject();
        json["architectures"] = new JsonArray("T5EncoderModel");
        Assert.IsType<T5EncoderModel>(ModelLoader.CreateRandom(ConfigJson.Parse(json.ToJsonString(), "enc.json")));
        json["architectures"] = new JsonArray("T5ForConditionalGeneration");
        Assert.IsType<T5ForConditionalGeneration>(ModelLoader.CreateRandom(ConfigJson.Parse(json.ToJsonString(), "full.json")));
    }
}
