using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Embeddings;

/// <summary>
/// A sentence-transformers folder of the older layout, its Transformer module (weights, config, tokenizer) in the
/// subfolder 0_Transformer: the model and tokenizer load from the root, sentences encode with the root's modules, and a
/// compressed or exported copy (the module's files at its own root) keeps the pooling and encodes the same way.
/// </summary>
public sealed class LegacyLayoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("st-legacy-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Legacy()
    {
        string dir = Path.Combine(_root, "legacy"), module = Path.Combine(dir, "0_Transformer");
        Directory.CreateDirectory(module);
        foreach (var f in Directory.GetFiles(SharedData.Fixture("models", "bert_uncased_tiny"))) File.Copy(f, Path.Combine(module, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(dir, "modules.json"), new JsonArray(
            new JsonObject { ["idx"] = 0, ["name"] = "0", ["path"] = "0_Transformer", ["type"] = "sentence_transformers.models.Transformer" },
            new JsonObject { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" },
            new JsonObject { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Normalize", ["type"] = "sentence_transformers.models.Normalize" }).ToJsonString());
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        Directory.CreateDirectory(Path.Combine(dir, "2_Normalize"));
        return dir;
    }

    private static readonly string[] Texts = ["The cat sat on the mat.", "Paris is the capital of France.", "a short one"];

    [Fact]
    public void TheModelAndTokenizerLoadFromTheRoot_AndSentencesEncodeWithItsModules()
    {
        string legacy = Legacy();
        var model = ModelLoader.Load(legacy);
        var tokenizer = AutoTokenizer.FromFolder(legacy);
        Assert.Equal(ModelKind.MaskedLM, model.Kind);
        Assert.Equal(AutoTokenizer.FromFolder(Path.Combine(legacy, "0_Transformer")).EncodeToIds(Texts[1]), tokenizer.EncodeToIds(Texts[1]));

        var vectors = SentenceEncoder.Load(legacy).Encode(Texts);
        var expected = new SentenceEncoder(model, tokenizer, new SentenceEncoder.Options { Pooling = new Pooling([PoolingMode.Cls]), Normalize = true }).Encode(Texts);
        Assert.Equal(expected, vectors);
    }

    [Fact]
    public void ACompressedCopy_HoldsTheModuleAtItsRoot_AndKeepsThePooling()
    {
        string legacy = Legacy();
        var model = ModelLoader.Load(legacy);
        var compressed = new CompressionContext(seed: 1).Quantization.WeightOnly(bits: 4, groupSize: 16).Fit(model);
        string saved = Path.Combine(_root, "rtn");
        compressed.Save(saved, new CompressedModel.SaveOptions { Source = legacy });
        Assert.True(File.Exists(Path.Combine(saved, "vocab.txt")), "the tokenizer comes from the Transformer module's folder");
        var modules = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "modules.json")))!.AsArray();
        Assert.Equal("", modules[0]!["path"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(saved, "1_Pooling", "config.json")));

        var encoder = SentenceEncoder.Load(saved);
        Assert.Equal(new[] { PoolingMode.Cls }, encoder.Settings.Pooling.Modes);
        Assert.True(encoder.Settings.Normalize);
        var expected = SentenceEncoder.Load(legacy).With(compressed.Model).Encode(Texts);
        Assert.Equal(expected, encoder.Encode(Texts));

        string exported = Path.Combine(_root, "hf");
        HuggingFaceExporter.Save(model, exported, legacy);
        Assert.Equal("", JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "modules.json")))!.AsArray()[0]!["path"]!.GetValue<string>());
        Assert.Equal(SentenceEncoder.Load(legacy).Encode(Texts), SentenceEncoder.Load(exported).Encode(Texts));
    }
}
