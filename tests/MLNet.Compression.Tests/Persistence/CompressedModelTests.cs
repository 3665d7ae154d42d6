using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tests.Modeling;

namespace MLNet.Compression.Tests.Persistence;

/// <summary>The compressed model folder: round trips, the manifest's record, and every way a folder can be wrong.</summary>
public sealed class CompressedModelTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cm-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public CompressedModelTests()
    {
        Directory.CreateDirectory(_root);
        RowInt8TestWeight.Register();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Out(string name) => Path.Combine(_root, name);

    /// <summary>A clone of <paramref name="model"/> whose chosen layers hold the test int8 form, with the changes recorded.</summary>
    private static ModelTransformer QuantizeForTest(LanguageModel model, ModuleGroup group)
    {
        var clone = model.Clone();
        var changes = new List<LayerChange>();
        foreach (var l in group.Select(clone))
        {
            l.Weight = RowInt8TestWeight.Quantize(l.Weight);
            changes.Add(new LayerChange(l.Name, "quantize", "test-int8-row") { Bits = 8, Details = new Dictionary<string, string> { ["granularity"] = "row" } });
        }
        return new ModelTransformer(clone, changes);
    }

    /// <summary>A clone whose chosen layers keep a dense weight with every other entry zeroed (a hand-made 50% mask).</summary>
    private static ModelTransformer MaskForTest(LanguageModel model, ModuleGroup group)
    {
        var clone = model.Clone();
        var changes = new List<LayerChange>();
        foreach (var l in group.Select(clone))
        {
            var w = l.Weight.ToDense().Clone(); // [out, in]
            for (int i = 0; i < w.Length; i += 2) w.Span[i] = 0;
            l.Weight = new DenseWeight(w);
            changes.Add(new LayerChange(l.Name, "prune", "test-mask") { Sparsity = 0.5 });
        }
        return new ModelTransformer(clone, changes);
    }

    [Theory]
    [InlineData("bert", "all")]
    [InlineData("gpt2", "all")]   // Conv1D layers: compressed forms are [out, in], the checkpoint's dense tensors [in, out]
    [InlineData("gpt2", "head")]  // the LM head is tied to wte: compressed, it must come back untied
    [InlineData("t5", "ffn")]
    [InlineData("bart", "attention")]
    public void SaveLoadForward_IsBitIdentical_WithACompressedWeightForm(string arch, string group)
    {
        using var fx = new ReferenceFixture(arch);
        var fitted = QuantizeForTest(ModelLoader.Load(fx.Folder), ModuleGroup.Parse(group));
        var input = fx.Input();
        var expected = fitted.Transform(input).Logits.Span.ToArray();

        fitted.Save(Out("m"));
        var loaded = ModelLoader.Load(Out("m"));

        Assert.Equal(expected, loaded.Forward(input).Logits.Span.ToArray());
        var chosen = ModuleGroup.Parse(group).Select(loaded).Select(l => l.Name).ToHashSet();
        foreach (var l in loaded.Linears)
            Assert.Equal(chosen.Contains(l.Name) ? RowInt8TestWeight.FormatName : "dense-f32", l.Weight.Format);
        Assert.Equal(fitted.Model.StorageBytes(), loaded.StorageBytes());
    }

    [Theory]
    [InlineData("bert", "ffn")]
    [InlineData("gpt2", "all")]
    [InlineData("gpt2", "head")] // a masked dense head no longer shares wte's array, so it is saved and restored under lm_head.weight
    [InlineData("llama", "attention-qkv")]
    public void SaveLoadForward_IsBitIdentical_WithMaskedDenseWeights(string arch, string group)
    {
        using var fx = new ReferenceFixture(arch);
        var original = ModelLoader.Load(fx.Folder);
        var fitted = MaskForTest(original, ModuleGroup.Parse(group));
        var input = fx.Input();
        var expected = fitted.Transform(input).Logits.Span.ToArray();
        Assert.NotEqual(original.Forward(input).Logits.Span.ToArray(), expected);

        fitted.Save(Out("m"));

        Assert.Equal(expected, CompressedModel.Load(Out("m")).Forward(input).Logits.Span.ToArray());
        var manifest = CompressedModel.ReadManifest(Out("m"));
        foreach (var l in manifest.Layers.Where(l => ModuleGroup.Parse(group).Select(fitted.Model).Any(x => x.Name == l.Name)))
        {
            Assert.Equal(0.5, l.Sparsity, 3);
            Assert.Equal("prune", Assert.Single(l.Stages).Stage);
        }
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    public void ExportedHuggingFaceFolder_LoadsAsAPlainCheckpointWithTheCompressedModelsLogits(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        QuantizeForTest(ModelLoader.Load(fx.Folder), ModuleGroup.All).Save(Out("m"));
        var compressed = ModelLoader.Load(Out("m"));
        HuggingFaceExporter.Save(compressed, Out("hf"), Out("m"));

        Assert.False(File.Exists(Path.Combine(Out("hf"), "manifest.json")));
        using (var file = SafeTensorsFile.Open(Path.Combine(Out("hf"), "model.safetensors")))
        using (var source = SafeTensorsFile.Open(Path.Combine(fx.Folder, "model.safetensors")))
        {
            Assert.All(file.Tensors, t => Assert.Equal(SafeTensorDType.F32, t.DType));
            // Same tensors as the source checkpoint (the exporter names BERT's tied head bias by its decoder alias).
            Assert.Equal(source.Tensors.Count, file.Tensors.Count);
        }
        var exported = ModelLoader.Load(Out("hf"));
        Assert.All(exported.Linears, l => Assert.Equal("dense-f32", l.Weight.Format));
        // The dequantized weights are exact and both forms multiply with the same SGEMM, so the logits agree exactly.
        var input = fx.Input();
        Assert.Equal(compressed.Forward(input).Logits.Span.ToArray(), exported.Forward(input).Logits.Span.ToArray());
    }

    [Fact]
    public void ALlama2cCheckpoint_SavesAsALlamaFolderWithItsTokenizer_AndHashesTheBinFile()
    {
        string src = SharedData.Data("models", "aidreams260K");
        var fitted = MaskForTest(ModelLoader.Load(src), ModuleGroup.Ffn);
        fitted.Save(Out("m"), new CompressedModel.SaveOptions { Source = src });

        var m = CompressedModel.ReadManifest(Out("m"));
        Assert.Equal("aidreams260K.bin", Assert.Single(m.Source!.Files).Name);
        Assert.Equal(["tok512.bin"], m.TokenizerFiles);
        var input = new ModelInput(new TokenBatch(1, 5, [1, 20, 30, 40, 50]));
        Assert.Equal(fitted.Transform(input).Logits.Span.ToArray(), ModelLoader.Load(Out("m")).Forward(input).Logits.Span.ToArray());
        var tokenizer = MLNet.Compression.Tokenization.AutoTokenizer.FromFolder(Out("m"));
        Assert.Equal(MLNet.Compression.Tokenization.AutoTokenizer.FromFolder(src).EncodeToIds("Once upon a time"), tokenizer.EncodeToIds("Once upon a time"));
    }

    [Fact]
    public void Manifest_RecordsFormatVersionSourceHashLayersAndTokenizerFiles()
    {
        string src = SharedData.Fixture("models", "gpt2_tiny");
        var fitted = QuantizeForTest(ModelLoader.Load(src), ModuleGroup.AttentionQkv);
        fitted.Save(Out("m"));

        var m = CompressedModel.ReadManifest(Out("m"));
        Assert.Equal("mlnet-compressed", m.Format);
        Assert.Equal(1, m.Version);
        Assert.Equal("gpt2", m.ModelType);
        // The source hash is the SHA-256 of `sha256sum config.json model.safetensors`, computed here independently.
        string Sha(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();
        string listing = $"{Sha(File.ReadAllBytes(Path.Combine(src, "config.json")))}  config.json\n{Sha(File.ReadAllBytes(Path.Combine(src, "model.safetensors")))}  model.safetensors\n";
        Assert.Equal(Sha(Encoding.UTF8.GetBytes(listing)), m.Source!.Sha256);
        Assert.Equal(["config.json", "model.safetensors"], m.Source.Files.Select(f => f.Name));
        Assert.Null(m.Origin);
        Assert.Equal(["tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt"], m.TokenizerFiles);
        foreach (var f in m.TokenizerFiles) Assert.Equal(File.ReadAllBytes(Path.Combine(src, f)), File.ReadAllBytes(Path.Combine(Out("m"), f)));
        Assert.Equal(fitted.Model.Linears.Select(l => l.Name), m.Layers.Select(l => l.Name));
        var qkv = m.Layers.First(l => l.Role == "AttentionQkv");
        Assert.Equal(RowInt8TestWeight.FormatName, qkv.Format);
        Assert.True(qkv.Transposed);
        Assert.Equal("symmetric-per-row", qkv.Metadata["scheme"]);
        var stage = Assert.Single(qkv.Stages);
        Assert.Equal(("quantize", "test-int8-row", 8, "row"), (stage.Stage, stage.Method, stage.Bits, stage.Details["granularity"]));
        Assert.Empty(m.Layers.First(l => l.Role == "FfnUp").Stages);
        // The tokenizer came along, so the folder tokenizes like its source.
        Assert.Equal(MLNet.Compression.Tokenization.AutoTokenizer.FromFolder(src).EncodeToIds("hello world"), MLNet.Compression.Tokenization.AutoTokenizer.FromFolder(Out("m")).EncodeToIds("hello world"));
    }

    [Fact]
    public void CompressingACompressedFolder_KeepsEarlierStagesAndTheOrigin()
    {
        string src = SharedData.Fixture("models", "bert");
        MaskForTest(ModelLoader.Load(src), ModuleGroup.Ffn).Save(Out("pruned"));
        var second = QuantizeForTest(ModelLoader.Load(Out("pruned")), ModuleGroup.Ffn);
        second.Save(Out("both"));

        var first = CompressedModel.ReadManifest(Out("pruned"));
        var m = CompressedModel.ReadManifest(Out("both"));
        Assert.Equal(first.Source!.Sha256, m.Origin!.Sha256);
        Assert.Equal(Path.GetFullPath(Out("pruned")), m.Source!.Path);
        var layer = m.Layers.First(l => l.Role == "FfnUp");
        Assert.Equal(["prune", "quantize"], layer.Stages.Select(s => s.Stage));
        Assert.Equal(0.5, layer.Sparsity, 2); // the mask survives quantization: zeros quantize to zero
    }

    [Fact]
    public void NewerFormatVersion_IsRefusedWithWhatToUpgrade()
    {
        MaskForTest(ModelLoader.Load(SharedData.Fixture("models", "bert")), ModuleGroup.Ffn).Save(Out("m"));
        EditManifest(Out("m"), j => j["version"] = 2);
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(Out("m")));
        Assert.Contains("manifest.json", e.Message);
        Assert.Contains("version 2", e.Message);
        Assert.Contains("upgrade MLNet.Compression", e.Message);
    }

    [Fact]
    public void CorruptManifest_NamesTheFileAndTheField()
    {
        MaskForTest(ModelLoader.Load(SharedData.Fixture("models", "bert")), ModuleGroup.Ffn).Save(Out("m"));
        string path = Path.Combine(Out("m"), "manifest.json");
        string good = File.ReadAllText(path);

        File.WriteAllText(path, good[..(good.Length / 2)]);
        var e = Assert.Throws<CheckpointException>(() => CompressedModel.Load(Out("m")));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("not valid JSON", e.Message);

        File.WriteAllText(path, good);
        EditManifest(Out("m"), j => j["layers"]![3]!.AsObject().Remove("format"));
        e = Assert.Throws<CheckpointException>(() => CompressedModel.Load(Out("m")));
        Assert.Equal("layers[3].format", e.Key);
        Assert.Contains("missing (expected a string)", e.Message);

        File.WriteAllText(path, good);
        EditManifest(Out("m"), j => j["layers"]![0]!["shape"] = new JsonArray(7, 7));
        e = Assert.Throws<CheckpointException>(() => CompressedModel.Load(Out("m")));
        Assert.Equal("layers[0].shape", e.Key);

        File.WriteAllText(path, good);
        EditManifest(Out("m"), j => j["format"] = "something-else");
        e = Assert.Throws<CheckpointException>(() => CompressedModel.Load(Out("m")));
        Assert.Equal("format", e.Key);
    }

    [Fact]
    public void MissingTensor_NamesModelSafetensorsAndTheKey()
    {
        var fitted = QuantizeForTest(ModelLoader.Load(SharedData.Fixture("models", "bert")), ModuleGroup.Ffn);
        fitted.Save(Out("m"));
        string file = Path.Combine(Out("m"), "model.safetensors");
        string victim = fitted.Changes[0].Layer + ".weight.scale";
        RewriteWithout(file, victim);

        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(Out("m")));
        Assert.Equal(file, e.FilePath);
        Assert.Equal(victim, e.Key);
        Assert.Contains("missing tensor", e.Message);

        // A dense tensor the family needs is named the same way.
        fitted.Save(Out("m"));
        RewriteWithout(file, "bert.embeddings.word_embeddings.weight");
        e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(Out("m")));
        Assert.Equal(file, e.FilePath);
        Assert.Equal("bert.embeddings.word_embeddings.weight", e.Key);
    }

    [Fact]
    public void UnknownWeightFormat_IsRefusedNamingTheFormat()
    {
        QuantizeForTest(ModelLoader.Load(SharedData.Fixture("models", "bert")), ModuleGroup.Ffn).Save(Out("m"));
        EditManifest(Out("m"), j =>
        {
            foreach (var l in j["layers"]!.AsArray()) if ((string)l!["format"]! == RowInt8TestWeight.FormatName) l["format"] = "int3-from-the-future";
        });
        var e = Assert.Throws<CheckpointException>(() => CompressedModel.Load(Out("m")));
        Assert.Contains("'int3-from-the-future' is not known to this build", e.Message);
        Assert.Contains("upgrade", e.Message);
    }

    [Fact]
    public void Save_IsAtomic_ReplacesAnEarlierOutputButNeverAnUnrelatedFolder()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "bert"));
        var fitted = MaskForTest(model, ModuleGroup.Ffn);

        Directory.CreateDirectory(Out("photos"));
        File.WriteAllText(Path.Combine(Out("photos"), "holiday.jpg"), "x");
        var e = Assert.Throws<IOException>(() => fitted.Save(Out("photos")));
        Assert.Contains("not an earlier output", e.Message);
        Assert.True(File.Exists(Path.Combine(Out("photos"), "holiday.jpg")));

        fitted.Save(Out("m"));
        File.WriteAllText(Path.Combine(Out("m"), "stale.txt"), "from before");
        QuantizeForTest(model, ModuleGroup.Ffn).Save(Out("m"));
        Assert.False(File.Exists(Path.Combine(Out("m"), "stale.txt")));
        Assert.Contains(CompressedModel.ReadManifest(Out("m")).Layers, l => l.Format == RowInt8TestWeight.FormatName);
        // No temporary or set-aside folders are left beside the output.
        Assert.Equal(["m", "photos"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order());

        var self = Assert.Throws<ArgumentException>(() => fitted.Save(SharedData.Fixture("models", "bert")));
        Assert.Contains("model's own folder", self.Message);
    }

    [Fact]
    public void AWeightFormThatCannotBeSaved_IsRefusedBeforeAnythingIsWritten()
    {
        var clone = ModelLoader.Load(SharedData.Fixture("models", "bert")).Clone();
        var l = clone.Linears[0];
        l.Weight = new UnsavableWeight(l.Weight);
        var e = Assert.Throws<InvalidOperationException>(() => new ModelTransformer(clone, []).Save(Out("m")));
        Assert.Contains(l.Name, e.Message);
        Assert.Contains("IPersistentWeight", e.Message);
        Assert.False(Directory.Exists(Out("m")));
    }

    private sealed class UnsavableWeight(IWeight inner) : IWeight
    {
        public int InFeatures => inner.InFeatures;
        public int OutFeatures => inner.OutFeatures;
        public string Format => "unsavable";
        public long StorageBytes => inner.StorageBytes;
        public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y) => inner.MultiplyTransposed(x, rows, y);
        public Tensor ToDense() => inner.ToDense();
    }

    private static void EditManifest(string folder, Action<JsonNode> edit)
    {
        string path = Path.Combine(folder, "manifest.json");
        var j = JsonNode.Parse(File.ReadAllText(path))!;
        edit(j);
        File.WriteAllText(path, j.ToJsonString());
    }

    private static void RewriteWithout(string file, string key)
    {
        var writer = new SafeTensorsWriter();
        using (var f = SafeTensorsFile.Open(file))
        {
            Assert.True(f.Contains(key), key);
            foreach (var t in f.Tensors.Where(t => t.Name != key)) writer.Add(t.Name, t.DType, t.Shape, f.Bytes(t.Name));
        }
        writer.Save(file);
    }

    [Theory]
    [InlineData("heads")]
    [InlineData("neurons")]
    public void ALayerNarrowedByRemoval_SavesAndLoadsWithItsOwnShape(string method)
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "bert"));
        var ctx = new CompressionContext(1);
        var pruned = method == "heads"
            ? ctx.Pruning.Heads(new HeadPruningEstimator.Options { Sparsity = 0.5 }).Fit(model)
            : (ModelTransformer)ctx.Pruning.Neurons(new NeuronPruningEstimator.Options { Sparsity = 0.5 }).Fit(model);
        Assert.Contains(pruned.Model.Linears, l => l.OutFeatures < model.Linears.Single(m => m.Name == l.Name).OutFeatures
                                                   || l.InFeatures < model.Linears.Single(m => m.Name == l.Name).InFeatures);
        pruned.Save(Out(method));
        var loaded = ModelLoader.Load(Out(method));
        var input = new ModelInput(new TokenBatch(1, 5, [2, 7, 9, 11, 3]));
        Assert.Equal(pruned.Model.Forward(input).Logits.Data, loaded.Forward(input).Logits.Data);
        Assert.Equal(pruned.Model.Linears.Select(l => (l.OutFeatures, l.InFeatures)), loaded.Linears.Select(l => (l.OutFeatures, l.InFeatures)));
    }
}
