using System.Text.Json;
using MLNet.Compression.Export.Onnx;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Export.Onnx;

/// <summary>The export folder: its files, external data, replacing an earlier export, and the errors a user can cause.</summary>
public class OnnxExportFolderTests
{
    [Fact]
    public void Export_WritesModelConfigTokenizerAndManifest_AndMarksTheModel()
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture("bert_uncased_tiny");
        string folder = kit.Folder("out");
        var report = OnnxExporter.Export(model, folder, SharedData.Fixture("models", "bert_uncased_tiny"));

        Assert.True(File.Exists(Path.Combine(folder, "model.onnx")));
        Assert.False(File.Exists(Path.Combine(folder, "model.onnx.data")));
        Assert.True(File.Exists(Path.Combine(folder, "config.json")));
        foreach (var f in new[] { "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
        {
            Assert.Equal(File.ReadAllBytes(SharedData.Fixture("models", "bert_uncased_tiny", f)), File.ReadAllBytes(Path.Combine(folder, f)));
            Assert.Contains(f, report.Files);
        }
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, OnnxExporter.ManifestFileName)));
        Assert.Equal("onnx", manifest.RootElement.GetProperty("format").GetString());
        Assert.Equal("bert", manifest.RootElement.GetProperty("model_type").GetString());
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(folder, "model.onnx"));
        Assert.Equal("1", session.ModelMetadata.CustomMetadataMap[OnnxExporter.ProducerKey]);
        Assert.Equal(17, GetOpset(Path.Combine(folder, "model.onnx")));
    }

    /// <summary>The default-domain opset from the raw file: ModelProto.opset_import (field 8) holds OperatorSetIdProto.version (2).</summary>
    private static int GetOpset(string path)
    {
        // A small scan is enough here: the opset entry is written before the graph.
        var bytes = File.ReadAllBytes(path).AsSpan(0, 64).ToArray();
        for (int i = 0; i + 5 < bytes.Length; i++)
            if (bytes[i] == 0x42 && bytes[i + 2] == 0x0A && bytes[i + 3] == 0x00 && bytes[i + 4] == 0x10) return bytes[i + 5];
        return -1;
    }

    [Fact]
    public void Export_AboveTheThreshold_WritesExternalData_ThatOrtLoadsAndRunsIdentically()
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture("gpt2");
        var tokens = OnnxTestKit.PaddedBatch(model.VocabSize, 5, 2, 0, seed: 2);
        var (inline, inlineReport) = kit.Export(model, "inline");
        var (external, externalReport) = kit.Export(model, "external", new OnnxExportOptions { ExternalDataThresholdBytes = 100_000, ExternalDataMinTensorBytes = 512 });
        using var _a = inline;
        using var _b = external;

        Assert.False(inlineReport.ExternalData);
        Assert.True(externalReport.ExternalData);
        Assert.Contains("model.onnx.data", externalReport.Files);
        long modelBytes = new FileInfo(Path.Combine(kit.Folder("external"), "model.onnx")).Length;
        long dataBytes = new FileInfo(Path.Combine(kit.Folder("external"), "model.onnx.data")).Length;
        Assert.True(dataBytes > externalReport.InitializerBytes * 9 / 10, $"{dataBytes} bytes of external data for {externalReport.InitializerBytes} bytes of weights");
        Assert.True(modelBytes < externalReport.InitializerBytes / 10, $"model.onnx still holds {modelBytes} bytes");
        var a = OnnxTestKit.Run(inline, OnnxDecoderTests.DecoderInputs(inline, tokens, tokens.Mask, 0, null));
        var b = OnnxTestKit.Run(external, OnnxDecoderTests.DecoderInputs(external, tokens, tokens.Mask, 0, null));
        Assert.Equal(a["logits"].Values, b["logits"].Values);
    }

    [Fact]
    public void Export_ReplacesAnEarlierExport_ButRefusesAnUnrelatedFolder()
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture("distilbert");
        string folder = kit.Folder("out");
        OnnxExporter.Export(model, folder);
        File.WriteAllText(Path.Combine(folder, "stale.txt"), "from the first export");
        OnnxExporter.Export(model, folder);
        Assert.False(File.Exists(Path.Combine(folder, "stale.txt")));

        string unrelated = kit.Folder("mine");
        Directory.CreateDirectory(unrelated);
        File.WriteAllText(Path.Combine(unrelated, "notes.txt"), "keep me");
        var e = Assert.Throws<IOException>(() => OnnxExporter.Export(model, unrelated));
        Assert.Contains(OnnxExporter.ManifestFileName, e.Message);
        Assert.True(File.Exists(Path.Combine(unrelated, "notes.txt")));
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(unrelated)!, "mine.tmp-*"));
    }

    [Theory]
    [InlineData("t5")]
    [InlineData("bart")]
    public void Export_OfAnEncoderDecoder_IsRefusedBeforeWriting(string fixture)
    {
        using var kit = new OnnxTestKit();
        var model = OnnxTestKit.Fixture(fixture);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, kit.Folder("out")));
        Assert.Contains("not supported", e.Message);
        Assert.False(Directory.Exists(kit.Folder("out")));
    }

    [Fact]
    public void Export_OfALlamaWithDynamicRopeScaling_IsRefused()
    {
        using var kit = new OnnxTestKit();
        string folder = kit.Folder("dyn");
        Directory.CreateDirectory(folder);
        foreach (var f in Directory.GetFiles(SharedData.Fixture("models", "llama"))) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!.AsObject();
        config["rope_scaling"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "dynamic", ["factor"] = 2.0 };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        var model = ModelLoader.Load(folder);
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, kit.Folder("out")));
        Assert.Contains("rope_scaling type dynamic", e.Message);
    }
}
