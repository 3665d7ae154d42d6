using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.Tests.Recipes;

/// <summary>Distill stages in recipes: parsing, checks before the model loads, and prune → recover → quantize and student runs.</summary>
public sealed class RecipeDistillTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("recipe-distill-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string TrainText() => Write("train.txt", string.Join('\n',
        "The cat sat on the mat.", "It was a sunny day in the park.", "Paris is the capital of France.",
        "The quick brown fox jumps over the lazy dog.", "Rome is the capital of Italy.", "She plays the piano every evening."));

    private static Recipe Parse(string json, string dir) => Recipe.Parse(json, "r.json", dir);

    [Fact]
    public void Parse_ReadsDistillStages_TheirTextAgainstTheRecipeFolder_AndLayersAsAList()
    {
        var recipe = Parse("""
            { "stages": [ { "stage": "prune", "method": "magnitude", "sparsity": 0.5 },
                          { "stage": "distill", "method": "recover", "text": "data/train.txt", "steps": 30, "temperature": 3 },
                          { "stage": "distill", "method": "student", "text": "/abs/train.txt", "student_layers": [0, 2], "lr": 0.001 } ] }
            """, "/recipes");
        var methods = recipe.Validate("r.json");

        Assert.Equal(["magnitude", "recover", "student"], methods.Select(m => m.Name));
        Assert.Equal("/recipes/data/train.txt", recipe.Stages[1].Text);
        var training = recipe.Stages[1].Training();
        Assert.Equal(30, training.Steps);
        Assert.Equal(3, training.Loss.Temperature);
        Assert.Equal(5, training.Loss.Alpha);   // unset: DistilBERT's default
        Assert.Equal([0, 2], recipe.Stages[2].StudentLayerList("x")!);
        Assert.Equal(0.001, recipe.Stages[2].Training().LearningRate);
    }

    [Theory]
    [InlineData("""{ "stage": "distill", "method": "student" }""", "r.json: stages[1].text is missing")]
    [InlineData("""{ "stage": "distill", "method": "student", "text": "t.txt", "groups": "ffn" }""", "r.json: stages[1].groups: \"ffn\"; a distill stage trains the whole model")]
    [InlineData("""{ "stage": "distill", "method": "student", "text": "t.txt", "steps": 0 }""", "r.json: stages[1].steps: \"0\" (expected a positive integer)")]
    [InlineData("""{ "stage": "distill", "method": "student", "text": "t.txt", "temperature": 0 }""", "r.json: stages[1].temperature: \"0\" (expected a positive number)")]
    [InlineData("""{ "stage": "distill", "method": "student", "text": "t.txt", "alpha": 0, "beta": 0, "gamma": 0 }""", "at least one loss weight must be positive")]
    [InlineData("""{ "stage": "distill", "method": "student", "text": "t.txt", "student_layers": "2,1" }""", "r.json: stages[1].student_layers: layer 1 comes after layer 2")]
    [InlineData("""{ "stage": "distill", "method": "recover", "text": "t.txt", "student_layers": [0] }""", "r.json: stages[1].student_layers: distill method \"recover\" does not take 'student_layers'")]
    [InlineData("""{ "stage": "distill", "method": "shrink", "text": "t.txt" }""", "unknown distill method \"shrink\" (known: student, recover)")]
    [InlineData("""{ "stage": "distil", "method": "student" }""", "\"distil\" is not a stage (expected \"prune\", \"quantize\" or \"distill\")")]
    [InlineData("""{ "stage": "prune", "method": "magnitude", "text": "t.txt" }""", "r.json: stages[1].text: prune method \"magnitude\" does not take 'text'")]
    public void Validate_NamesTheStageAndField(string stage, string expected)
    {
        var recipe = Parse($$"""{ "stages": [ { "stage": "prune", "method": "magnitude" }, {{stage}} ] }""", _root);
        var e = Assert.Throws<ArgumentException>(() => recipe.Validate("r.json"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Validate_ARecoverStageFirst_IsRefused()
    {
        var recipe = Parse("""{ "stages": [ { "stage": "distill", "method": "recover", "text": "t.txt" } ] }""", _root);
        var e = Assert.Throws<ArgumentException>(() => recipe.Validate("r.json"));
        Assert.StartsWith("r.json: stages[0]: a recover stage trains what the stages before it compressed", e.Message);
    }

    [Fact]
    public void Run_MissingText_NamesTheStageAndTheFile_BeforeAnyTraining()
    {
        string folder = SharedData.Fixture("models", "gpt2_tiny");
        var recipe = Parse("""{ "stages": [ { "stage": "distill", "method": "student", "text": "nowhere.txt" } ] }""", _root);
        var e = Assert.Throws<FileNotFoundException>(() => RecipeRunner.Run(recipe, folder, Path.Combine(_root, "out"), "r.json"));
        Assert.StartsWith($"r.json: stages[0].text: {Path.Combine(_root, "nowhere.txt")}: file not found", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "out")));
    }

    [Fact]
    public void Run_PruneRecoverQuantize_SavesAQuantizedFolderWhosePrunedWeightsAreZero()
    {
        string folder = SharedData.Fixture("models", "bert_uncased_tiny");
        TrainText();
        var recipe = Parse("""
            { "seed": 2,
              "stages": [ { "stage": "prune", "method": "magnitude", "sparsity": 0.6, "scope": "local", "groups": "ffn" },
                          { "stage": "distill", "method": "recover", "text": "train.txt", "steps": 15, "batch_size": 4, "seq_len": 16 },
                          { "stage": "quantize", "method": "fp16", "groups": "ffn" } ] }
            """, _root);
        string output = Path.Combine(_root, "out");
        var result = RecipeRunner.Run(recipe, folder, output, "r.json");

        var prunedOnly = RecipeRunner.Chain(recipe with { Stages = [recipe.Stages[0]] }, "r.json").Fit(ModelLoader.Load(folder)).Model;
        var saved = CompressedModel.Load(output);
        int ffn = 0;
        foreach (var layer in saved.Linears.Where(l => l.Name.Contains(".intermediate.dense") || l.Name.Contains(".output.dense") && !l.Name.Contains("attention")))
        {
            ffn++;
            Assert.IsType<HalfWeight>(layer.Weight);
            var w = layer.Weight.ToDense().ReadOnlySpan.ToArray();
            var p = prunedOnly.Linears.Single(l => l.Name == layer.Name).Weight.ToDense().ReadOnlySpan.ToArray();
            for (int i = 0; i < w.Length; i++)
                if (p[i] == 0f) Assert.Equal(0f, w[i]);
            Assert.NotEqual(p.Select(x => (float)(Half)x), w);   // trained, then stored as fp16
        }
        Assert.Equal(4, ffn);
        var manifest = CompressedModel.ReadManifest(output);
        Assert.Contains(manifest.Layers, l => l.Name.EndsWith(".intermediate.dense") && l.Stages.Any(s => s.Stage == "distill" && s.Method == "recover"));
        Assert.True(result.Manifest.Bytes < result.SourceBytes);
    }

    [Fact]
    public void Run_Student_SavesAShallowerModelThatLoadsAndRuns()
    {
        string folder = SharedData.Fixture("models", "gpt2_tiny");
        TrainText();
        var recipe = Parse("""
            { "stages": [ { "stage": "distill", "method": "student", "text": "train.txt", "student_layers": "1", "steps": 10, "batch_size": 4, "seq_len": 16 },
                          { "stage": "quantize", "method": "rtn", "bits": 8, "group_size": 32 } ] }
            """, _root);
        string output = Path.Combine(_root, "student");
        var result = RecipeRunner.Run(recipe, folder, output, "r.json");

        var loaded = ModelLoader.Load(output);
        Assert.Equal(1, loaded.LayerCount);
        Assert.Contains(loaded.Linears, l => l.Weight is KBitWeight);
        var input = new ModelInput(new TokenBatch(1, 4, [1, 2, 3, 4]));
        Assert.Equal(result.Fitted.Transform(input).Logits.Span.ToArray(), loaded.Forward(input).Logits.Span.ToArray());
        Assert.True(result.Manifest.Bytes < result.SourceBytes);   // fewer layers, 8-bit weights (the embedding dominates this tiny model)
    }
}
