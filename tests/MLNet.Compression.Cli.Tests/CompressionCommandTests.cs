using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Cli.Tests;

/// <summary>
/// End-to-end runs of info, forward, generate, export, prune, quantize and compress on compressed model folders.
/// Most folders are made in-process with a hand-made 50% mask so the expected logits are known exactly;
/// then every command runs the built tool on them as a user would.
/// </summary>
public sealed class CompressionCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cli-cm-" + Guid.NewGuid().ToString("N")[..8]);

    public CompressionCommandTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Out(string name) => Path.Combine(_root, name);

    /// <summary>gpt2_tiny with every other FFN weight zeroed, saved as a compressed folder; returns the in-memory model.</summary>
    private LanguageModel MaskedGpt2(string folder)
    {
        var clone = ModelLoader.Load(CliProcess.Fixture("gpt2_tiny")).Clone();
        var changes = new List<LayerChange>();
        foreach (var l in ModuleGroup.Ffn.Select(clone))
        {
            var w = l.Weight.ToDense().Clone();
            for (int i = 0; i < w.Length; i += 2) w.Span[i] = 0;
            l.Weight = new DenseWeight(w);
            changes.Add(new LayerChange(l.Name, "prune", "hand-mask") { Sparsity = 0.5 });
        }
        new ModelTransformer(clone, changes).Save(folder);
        return clone;
    }

    private static ModelInput ReferenceInput(string fixture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(CliProcess.Fixture(fixture), "reference.json")));
        var inputs = doc.RootElement.GetProperty("inputs");
        int[][] Rows(string name) => inputs.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        var ids = Rows("input_ids");
        var mask = Rows("attention_mask");
        return new ModelInput(new TokenBatch(ids.Length, ids[0].Length, ids.SelectMany(r => r).ToArray(), mask.SelectMany(r => r).ToArray()));
    }

    [Fact]
    public void Info_OnACompressedFolder_ShowsSparsityBitsBytesAndStages()
    {
        MaskedGpt2(Out("m"));
        var (code, output, err) = CliProcess.Run("info", "--model", Out("m"), "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal("mlnet-compressed", root.GetProperty("compressed").GetProperty("format").GetString());
        Assert.Equal(CompressedModel.ReadManifest(Out("m")).Source!.Sha256, root.GetProperty("compressed").GetProperty("source_sha256").GetString());
        foreach (var l in root.GetProperty("linear_layers").EnumerateArray())
        {
            bool ffn = l.GetProperty("role").GetString() is "FfnUp" or "FfnDown" or "AttentionOutput";
            Assert.Equal(ffn ? 0.5 : 0.0, l.GetProperty("sparsity").GetDouble(), 3);
            Assert.Equal(32, l.GetProperty("bits").GetInt32());
            Assert.Equal(4L * l.GetProperty("out_features").GetInt32() * l.GetProperty("in_features").GetInt32(), l.GetProperty("bytes").GetInt64());
            Assert.Equal(ffn ? 1 : 0, l.GetProperty("stages").GetArrayLength());
        }

        (code, output, err) = CliProcess.Run("info", "--model", Out("m"));
        Assert.True(code == 0, err);
        Assert.Contains("mlnet-compressed v1", output);
        Assert.Contains("50.0 %", output); // measured sparsity of the masked layers (the table wraps at 80 columns when piped)
        Assert.Contains("prune", output);
    }

    [Fact]
    public void Forward_OnACompressedFolder_GivesTheCompressedModelsLogitsBitForBit()
    {
        var model = MaskedGpt2(Out("m"));
        string st = Out("logits.safetensors");
        var (code, _, err) = CliProcess.Run("forward", "--model", Out("m"), "--inputs", Path.Combine(CliProcess.Fixture("gpt2_tiny"), "reference.json"), "--out", st);
        Assert.True(code == 0, err);
        using var file = SafeTensorsFile.Open(st);
        Assert.Equal(model.Forward(ReferenceInput("gpt2_tiny")).Logits.Span.ToArray(), file.ReadFloat32("logits"));
    }

    [Fact]
    public void Generate_OnACompressedFolder_UsesTheCopiedTokenizerAndTheCompressedWeights()
    {
        var model = MaskedGpt2(Out("m"));
        var tokenizer = Tokenization.AutoTokenizer.FromFolder(CliProcess.Fixture("gpt2_tiny"));
        var prompt = tokenizer.EncodeToIds("Hello there").ToArray();
        var expected = GreedyGenerator.Generate(model, prompt, 8);
        var (code, output, err) = CliProcess.Run("generate", "--model", Out("m"), "--input-ids", string.Join(",", prompt), "--max-new-tokens", "8");
        Assert.True(code == 0, err);
        Assert.Equal(string.Join(",", expected), output.Trim());

        (code, output, err) = CliProcess.Run("generate", "--model", Out("m"), "--prompt", "Hello there", "--max-new-tokens", "8");
        Assert.True(code == 0, err);
        Assert.Equal(tokenizer.Decode(expected), output.Trim());
    }

    [Fact]
    public void Export_WritesAPlainHuggingFaceFolderThatLoadsWithTheCompressedLogits()
    {
        var model = MaskedGpt2(Out("m"));
        var (code, _, err) = CliProcess.Run("export", "--model", Out("m"), "--format", "hf", "-o", Out("hf"));
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(Out("hf"), "manifest.json")));
        foreach (var f in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(Out("hf"), f)), f);
        using (var file = SafeTensorsFile.Open(Path.Combine(Out("hf"), "model.safetensors")))
            Assert.All(file.Tensors, t => Assert.Equal(SafeTensorDType.F32, t.DType));
        var exported = ModelLoader.Load(Out("hf"));
        var input = ReferenceInput("gpt2_tiny");
        Assert.Equal(model.Forward(input).Logits.Span.ToArray(), exported.Forward(input).Logits.Span.ToArray());

        (code, _, err) = CliProcess.Run("export", "--model", Out("m"), "--format", "tflite", "-o", Out("tflite"));
        Assert.Equal(1, code);
        Assert.Contains("--format tflite: unknown export format (supported: hf, onnx, gguf)", err);
    }

    [Fact]
    public void Export_Onnx_WritesModelTokenizerAndManifest_ReplacesItsOwnOutput_AndRefusesOthersInOneLine()
    {
        var (code, output, err) = CliProcess.Run("prune", "--model", CliProcess.Fixture("gpt2_tiny"), "--method", "magnitude", "--groups", "ffn", "--sparsity", "0.8", "-o", Out("p"));
        Assert.True(code == 0, output + err);
        (code, output, err) = CliProcess.Run("export", "--model", Out("p"), "--format", "onnx", "-o", Out("onnx"));
        Assert.True(code == 0, output + err);
        foreach (var f in new[] { "model.onnx", "config.json", "vocab.json", "merges.txt", "onnx_export.json" })
            Assert.True(File.Exists(Path.Combine(Out("onnx"), f)), f);
        Assert.False(File.Exists(Path.Combine(Out("onnx"), "model.onnx.data")));
        Assert.Contains("as ONNX (opset 17)", output);
        // The pruned FFN layers are stored as CSR, which ORT's CPU provider cannot multiply: the log says they went dense.
        Assert.Contains("sparse-csr: ORT's CPU provider has no sparse MatMul kernel", output);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out("onnx"), "onnx_export.json"))))
            Assert.Equal("gpt2", manifest.RootElement.GetProperty("model_type").GetString());

        // A second export replaces the first; an unrelated folder is refused with one line naming it.
        (code, _, err) = CliProcess.Run("export", "--model", Out("p"), "--format", "onnx", "-o", Out("onnx"));
        Assert.True(code == 0, err);
        Directory.CreateDirectory(Out("mine"));
        File.WriteAllText(Path.Combine(Out("mine"), "notes.txt"), "keep");
        (code, _, err) = CliProcess.Run("export", "--model", Out("p"), "--format", "onnx", "-o", Out("mine"));
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("is not an earlier output (it has no onnx_export.json)", err);

        // Encoder-decoder models are not exported yet: one line, nothing written.
        (code, _, err) = CliProcess.Run("export", "--model", CliProcess.Fixture("t5"), "--format", "onnx", "-o", Out("t5"));
        Assert.Equal(1, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--format onnx: ONNX export of t5 (encoder-decoder) models is not supported yet", err);
        Assert.False(Directory.Exists(Out("t5")));
    }

    [Fact]
    public void Prune_MagnitudeGlobalOnFfn_WritesAFolderWhoseInfoReportsTheSparsityAndWhichRuns()
    {
        var (code, output, err) = CliProcess.Run("prune", "--model", CliProcess.Fixture("bert"), "--method", "magnitude", "--scope", "global", "--groups", "ffn", "--sparsity", "0.5", "-o", Out("p"));
        Assert.True(code == 0, output + err);
        (code, output, err) = CliProcess.Run("info", "--model", Out("p"), "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var layers = doc.RootElement.GetProperty("linear_layers").EnumerateArray().ToList();
        // Global scope: one threshold over the ffn layers together, so their pooled zeros are half of their weights.
        var ffn = layers.Where(l => l.GetProperty("name").GetString()!.Contains("output.dense") || l.GetProperty("name").GetString()!.Contains("intermediate.dense")).ToList();
        double zeros = ffn.Sum(l => l.GetProperty("sparsity").GetDouble() * l.GetProperty("out_features").GetInt32() * l.GetProperty("in_features").GetInt32());
        double total = ffn.Sum(l => (double)l.GetProperty("out_features").GetInt32() * l.GetProperty("in_features").GetInt32());
        Assert.Equal(0.5, zeros / total, 2);
        Assert.All(layers.Where(l => l.GetProperty("name").GetString()!.Contains("self.query")), l => Assert.Equal(0, l.GetProperty("sparsity").GetDouble()));
        (code, _, err) = CliProcess.Run("forward", "--model", Out("p"), "--inputs", Path.Combine(CliProcess.Fixture("bert"), "reference.json"), "--out", Out("f.safetensors"));
        Assert.True(code == 0, err);
    }

    [Theory]
    [InlineData("prune", "--method", "magnitude", "--sparsity", "1.5", "--sparsity: 1.5 is outside [0, 1]")]
    [InlineData("prune", "--method", "nm", "--sparsity", "0.5", "prune method \"nm\" does not take 'sparsity'")]
    [InlineData("prune", "--method", "wanda", "--sparsity", "0.5", "needs calibration text; give --calibration")]
    [InlineData("prune", "--method", "pluck", "--sparsity", "0.5", "unknown prune method \"pluck\"")]
    [InlineData("quantize", "--method", "rtn", "--bits", "5", "--bits: 5 (expected 2, 3, 4 or 8)")]
    [InlineData("quantize", "--method", "fp16", "--bits", "4", "does not take 'bits'")]
    public void BadOptions_GiveOneLineErrorsNamingTheOption(string command, string o1, string v1, string o2, string v2, string expected)
    {
        var (code, _, err) = CliProcess.Run(command, "--model", CliProcess.Fixture("bert"), o1, v1, o2, v2, "-o", Out("x"));
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Compress_RecipeErrorsNameTheFileAndField_AndModelComesFromTheRecipeOrTheCommandLine()
    {
        string recipe = Out("recipe.json");
        File.WriteAllText(recipe, """{ "stages": [ { "stage": "prune", "method": "magnitude", "sparsty": 0.5 } ] }""");
        var (code, _, err) = CliProcess.Run("compress", "--recipe", recipe, "-o", Out("c"));
        Assert.Equal(1, code);
        Assert.Contains($"{recipe}: stages[0].sparsty: unknown field", err);

        File.WriteAllText(recipe, """{ "stages": [ { "stage": "quantize", "method": "dynamic-int8" } ] }""");
        (code, _, err) = CliProcess.Run("compress", "--recipe", recipe, "-o", Out("c"));
        Assert.Equal(1, code);
        Assert.Contains("no \"model\" in the recipe; give --model DIR", err);

        File.WriteAllText(recipe, """{ "model": "nowhere", "stages": [ { "stage": "prune", "method": "magnitude", "groups": "attention-qkv" } ] }""");
        (code, _, err) = CliProcess.Run("compress", "--recipe", recipe, "--model", CliProcess.Fixture("bert"), "-o", Out("c"));
        Assert.True(code == 0, err); // --model overrode "nowhere"
        Assert.True(File.Exists(Path.Combine(Out("c"), "manifest.json")));
    }
}
