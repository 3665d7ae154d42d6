using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tokenization;

using MLNet.Compression.Tests.Persistence;

namespace MLNet.Compression.Tests.Recipes;

/// <summary>Recipes: parsing, validation before the model loads, and a full run through test-only methods.</summary>
public sealed class RecipeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recipe-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public RecipeTests()
    {
        Directory.CreateDirectory(_root);
        RowInt8TestWeight.Register();
        TestMethods.Register();
    }

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

    [Fact]
    public void Parse_ReadsEveryFieldAndResolvesPathsAgainstTheRecipeFolder()
    {
        Write("plan.json", """{ "bert.encoder.layer.0.output.dense": 0.7 }""");
        string path = Write("recipe.json", """
            // comments are allowed
            {
              "model": "models/bert",
              "seed": 7,
              "calibration": { "file": "calib.txt", "samples": 16, "max_length": 64, "batch_size": 4 },
              "stages": [
                { "stage": "prune", "method": "magnitude", "groups": "ffn", "scope": "local", "sparsity": 0.3, "plan": "plan.json" },
                { "stage": "quantize", "method": "gptq", "bits": 3, "group_size": -1, "symmetric": false,
                  "parameters": { "damping": 0.02, "act_order": true, "block_size": 64 } },
              ]
            }
            """);
        var r = Recipe.Load(path);
        Assert.Equal(Path.Combine(_root, "models", "bert"), r.Model);
        Assert.Equal(7, r.Seed);
        Assert.Equal(new RecipeCalibration(Path.Combine(_root, "calib.txt"), 16, 64, 4), r.Calibration);
        var p = r.Stages[0];
        Assert.Equal(("prune", "magnitude", "ffn", "local", 0.3), (p.Stage, p.Method, p.Groups, p.Scope, p.Sparsity));
        Assert.Equal(0.7, p.Plan!["bert.encoder.layer.0.output.dense"]);
        var q = r.Stages[1];
        Assert.Equal(("gptq", 3, -1, false, "all"), (q.Method, q.Bits, q.GroupSize, q.Symmetric, q.Groups));
        Assert.Equal(["0.02", "true", "64"], new[] { q.Parameters["damping"], q.Parameters["act_order"], q.Parameters["block_size"] });
        Assert.Equal(2, r.Validate("recipe.json").Count);
    }

    [Theory]
    [InlineData("""{ "stages": [ { "stage": "prune", "method": "magnitude", "sparsty": 0.5 } ] }""", "stages[0].sparsty: unknown field")]
    [InlineData("""{ "stages": [ { "stage": "prune", "method": "magnitude", "sparsity": "half" } ] }""", "stages[0].sparsity: expected a number, found \"half\"")]
    [InlineData("""{ "stages": [ { "method": "magnitude" } ] }""", "stages[0].stage is missing")]
    [InlineData("""{ "stage": [] }""", "stage: unknown field")]
    [InlineData("""{ "stages": [ { "stage": "prune", "method": "magnitude" } ] """, "not valid JSON")]
    [InlineData("""{ "stages": [ { "stage": "prune", "method": "magnitude", "plan": { "x": "high" } } ] }""", "'x': expected a number")]
    public void Parse_ErrorsNameTheFileAndTheField(string json, string expected)
    {
        string path = Write("bad.json", json);
        var e = Assert.Throws<InvalidDataException>(() => Recipe.Load(path));
        Assert.StartsWith(path + ":", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("prune", "magnitud", null, "unknown prune method \"magnitud\" (known: magnitude, random,")]
    [InlineData("prune", "nm", "sparsity", "prune method \"nm\" does not take 'sparsity' (it takes: nm)")]
    [InlineData("quantize", "fp16", "bits", "does not take 'bits' (it takes: nothing beyond groups)")]
    [InlineData("fold", "magnitude", null, "\"fold\" is not a stage")]
    public void Validate_RefusesUnknownMethodsAndFieldsTheMethodDoesNotTake(string stage, string method, string? field, string expected)
    {
        var s = new RecipeStage { Stage = stage, Method = method, Sparsity = field == "sparsity" ? 0.5 : null, Bits = field == "bits" ? 4 : null };
        var e = Assert.Throws<ArgumentException>(() => s.Validate("r.json: stages[0]"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("r.json: stages[0]", e.Message);
    }

    [Theory]
    [InlineData("sparsity", "1.5", "outside [0, 1]")]
    [InlineData("nm", "4:2", "not an N:M pattern")]
    [InlineData("bits", "5", "expected 2, 3, 4 or 8")]
    [InlineData("group_size", "0", "expected a positive size, or -1")]
    [InlineData("scope", "everywhere", "expected global or local")]
    [InlineData("groups", "([", "not a valid regular expression")]
    [InlineData("damping", "-1", "expected a positive number")]
    public void Validate_RefusesValuesOutOfRange(string field, string value, string expected)
    {
        var s = new RecipeStage
        {
            Stage = field is "bits" or "group_size" or "damping" ? "quantize" : "prune",
            Method = field switch { "nm" => "nm", "bits" or "group_size" or "damping" => "gptq", _ => "magnitude" },
            Sparsity = field == "sparsity" ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null,
            NM = field == "nm" ? value : null,
            Bits = field == "bits" ? int.Parse(value) : null,
            GroupSize = field == "group_size" ? int.Parse(value) : null,
            Scope = field == "scope" ? value : null,
            Groups = field == "groups" ? value : "all",
            Parameters = field == "damping" ? new Dictionary<string, string> { ["damping"] = value } : new Dictionary<string, string>(),
        };
        var e = Assert.Throws<ArgumentException>(() => s.Validate("cli", commandLine: true));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith($"cli: --{field.Replace('_', '-')}", e.Message);
    }

    [Fact]
    public void AMethodWithoutAnEstimator_IsRefusedBeforeTheModelLoads()
    {
        // A plug-in may list a method before its estimator exists; such a method is refused with the estimator's name.
        RecipeMethods.Register(new RecipeMethod("prune", "test-unwired", "ctx.Pruning.TestUnwired", ["sparsity"], false, null));
        var recipe = new Recipe { Stages = [new RecipeStage { Stage = "prune", Method = "test-unwired", Sparsity = 0.5 }] };
        var e = Assert.Throws<InvalidOperationException>(() => RecipeRunner.Run(recipe, "/no/such/model", Path.Combine(_root, "out"), "r.json"));
        Assert.Contains("not available in this build", e.Message);
        Assert.Contains("ctx.Pruning.TestUnwired", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "out")));
    }

    [Fact]
    public void EveryMethodOfTheIssue_IsWiredToItsEstimator()
    {
        foreach (var name in new[] { "magnitude", "random", "random-structured", "ln-structured", "nm", "heads", "neurons", "wanda", "sparsegpt", "owl" })
            Assert.True(RecipeMethods.Find("prune", name).Available, name);
        foreach (var name in new[] { "dynamic-int8", "fp16", "bf16", "rtn", "gptq" })
            Assert.True(RecipeMethods.Find("quantize", name).Available, name);
    }

    [Fact]
    public void CalibrationMethods_NeedCalibrationText()
    {
        var recipe = new Recipe { Stages = [new RecipeStage { Stage = "prune", Method = "wanda" }] };
        var e = Assert.Throws<ArgumentException>(() => recipe.Validate("r.json"));
        Assert.Contains("\"wanda\" needs calibration text", e.Message);
    }

    [Fact]
    public void CalibrationText_IsOneSamplePerLineEncodedWithTheModelsTokenizer()
    {
        string folder = SharedData.Fixture("models", "gpt2_tiny");
        var model = ModelLoader.Load(folder);
        var tokenizer = AutoTokenizer.FromFolder(folder);
        string file = Write("calib.txt", "The cat sat on the mat.\n\n   \nA second, longer sample of calibration text goes here\nthird\nfourth is beyond the limit\n");
        var data = CalibrationText.Load(new RecipeCalibration(file, Samples: 3, MaxLength: 5, BatchSize: 2), tokenizer, model);

        // Lines 1, 4 and 5 (blank lines skipped, three samples), cut to 5 tokens, in two batches of 2 and 1.
        Assert.Equal(2, data.Batches.Count);
        var first = tokenizer.EncodeToIds("The cat sat on the mat.").Take(5).ToArray();
        var second = tokenizer.EncodeToIds("A second, longer sample of calibration text goes here").Take(5).ToArray();
        Assert.Equal(first, data.Batches[0].Tokens.Row(0)[..first.Length]);
        Assert.Equal(second, data.Batches[0].Tokens.Row(1)[..second.Length]);
        Assert.Equal(tokenizer.EncodeToIds("third"), data.Batches[1].Tokens.Row(0));

        var empty = Write("empty.txt", "\n  \n");
        Assert.Contains("no sample", Assert.Throws<InvalidDataException>(() => CalibrationText.Load(new RecipeCalibration(empty), tokenizer, model)).Message);

        // Lines in memory (a data column) make the same batches; the source names them in messages.
        var lines = File.ReadLines(file).Select((t, i) => (i + 1, t));
        var fromLines = CalibrationText.FromLines(lines, new RecipeCalibration("", Samples: 3, MaxLength: 5, BatchSize: 2), tokenizer, model, "column 'Text'");
        Assert.Equal(data.Batches.Select(b => b.Tokens.Ids), fromLines.Batches.Select(b => b.Tokens.Ids));
        var none = Assert.Throws<InvalidDataException>(() => CalibrationText.FromLines([(1, " ")], new RecipeCalibration(""), tokenizer, model, "column 'Text'"));
        Assert.StartsWith("column 'Text': no sample", none.Message);
    }

    [Fact]
    public void Run_FitsTheChainWithCalibrationAndSavesAFolderThatRecordsBothStages()
    {
        string folder = SharedData.Fixture("models", "gpt2_tiny");
        string plan = Write("plan.json", """{ "transformer.h.0.mlp.c_fc": 0.25 }""");
        string calib = Write("calib.txt", "hello world\nthe quick brown fox\n");
        string recipePath = Write("recipe.json", $$"""
            { "model": "{{folder}}", "calibration": "calib.txt",
              "stages": [ { "stage": "prune", "method": "test-mask", "groups": "ffn", "sparsity": 0.5, "plan": "plan.json" },
                          { "stage": "quantize", "method": "test-int8-row", "groups": "attention-qkv" } ] }
            """);
        var recipe = Recipe.Load(recipePath);
        string output = Path.Combine(_root, "out");
        var result = RecipeRunner.Run(recipe, recipe.Model!, output, "recipe.json");

        Assert.True(TestMethods.CalibrationRowsSeen > 0, "the calibration-based test stage saw no calibration rows");
        var m = CompressedModel.ReadManifest(output);
        var fc0 = m.Layers.Single(l => l.Name == "transformer.h.0.mlp.c_fc");
        Assert.Equal(0.25, fc0.Sparsity, 2); // the plan overrides the stage's 0.5
        Assert.Equal(0.5, m.Layers.Single(l => l.Name == "transformer.h.1.mlp.c_fc").Sparsity, 2);
        Assert.Equal(RowInt8TestWeight.FormatName, m.Layers.Single(l => l.Name == "transformer.h.0.attn.c_attn").Format);
        Assert.Equal(Path.GetFullPath(folder), m.Source!.Path);
        Assert.Contains("tokenizer_config.json", m.TokenizerFiles);
        Assert.True(result.Manifest.Bytes < result.SourceBytes);
        var input = new ModelInput(new TokenBatch(1, 4, [1, 2, 3, 4]));
        Assert.Equal(result.Fitted.Transform(input).Logits.Span.ToArray(), ModelLoader.Load(output).Forward(input).Logits.Span.ToArray());
    }

    [Fact]
    public void Run_APlanNamingAnUnknownLayer_NamesThePlanFileAndTheKey()
    {
        string plan = Write("plan.json", """{ "transformer.h.9.mlp.c_fc": 0.5 }""");
        var recipe = new Recipe
        {
            Stages = [new RecipeStage { Stage = "prune", Method = "test-mask", Plan = RecipePlan.Load(plan), PlanSource = plan }],
            Calibration = new RecipeCalibration(Write("calib.txt", "hello\n")),
        };
        var e = Assert.Throws<ArgumentException>(() => RecipeRunner.Run(recipe, SharedData.Fixture("models", "gpt2_tiny"), Path.Combine(_root, "out"), "r.json"));
        Assert.StartsWith(plan + ": 'transformer.h.9.mlp.c_fc' is not a linear layer", e.Message);
    }

    /// <summary>Test-only methods standing in for the real estimators, which other branches provide.</summary>
    private static class TestMethods
    {
        public static int CalibrationRowsSeen;

        public static void Register()
        {
            RecipeMethods.Register(new RecipeMethod("prune", "test-mask", "test", ["sparsity", "plan"], true, (ctx, s, g) => new MaskEstimator(s, g)));
            RecipeMethods.Register(new RecipeMethod("quantize", "test-int8-row", "test", [], false, (ctx, s, g) => new QuantizeEstimator(g)));
        }

        /// <summary>Zeros the first round(p·n) entries of each chosen layer, p from the plan or the stage; counts calibration rows.</summary>
        private sealed class MaskEstimator(RecipeStage stage, ModuleGroup group) : IModelEstimator<ModelTransformer>
        {
            public ModelTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
            {
                var clone = model.Clone();
                var chosen = group.Select(clone);
                calibration!.Capture(clone, chosen, (l, x, rows) => Interlocked.Add(ref CalibrationRowsSeen, rows));
                var changes = new List<LayerChange>();
                foreach (var l in chosen)
                {
                    double p = stage.Plan is not null && stage.Plan.TryGetValue(l.Name, out var v) ? v : stage.SparsityOrDefault;
                    var w = l.Weight.ToDense().Clone();
                    w.Span[..(int)Math.Round(p * w.Length)].Clear();
                    l.Weight = new DenseWeight(w);
                    changes.Add(new LayerChange(l.Name, "prune", "test-mask") { Sparsity = p });
                }
                return new ModelTransformer(clone, changes);
            }
        }

        private sealed class QuantizeEstimator(ModuleGroup group) : IModelEstimator<ModelTransformer>
        {
            public ModelTransformer Fit(LanguageModel model, CalibrationData? calibration = null)
            {
                var clone = model.Clone();
                var changes = new List<LayerChange>();
                foreach (var l in group.Select(clone))
                {
                    l.Weight = RowInt8TestWeight.Quantize(l.Weight);
                    changes.Add(new LayerChange(l.Name, "quantize", "test-int8-row") { Bits = 8 });
                }
                return new ModelTransformer(clone, changes);
            }
        }
    }
}
