using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tests;

namespace MLNet.Compression.AutoSearch.Tests.Plans;

/// <summary>Plans on the tiny GPT-2 fixture: the space's dimensions, the decoding rules, predicted bytes against the stored forms, and the recipe.</summary>
public sealed class CompressionPlanTests
{
    private static readonly LanguageModel Model = ModelLoader.Load(SharedData.Fixture("models", "gpt2_tiny"));

    private static CompressionSpace Space(CompressionSpaceOptions? o = null) => CompressionSpace.Build(Model, o ?? new CompressionSpaceOptions { GroupSizes = [32] });

    [Fact]
    public void LayerSpace_HasASparsityAndBitsPerLayer_AndThreePlanWideChoices()
    {
        var space = Space();
        int layers = Model.Linears.Count(l => l.Role != LayerRole.Head);
        Assert.Equal(layers, space.Units.Count);
        Assert.Equal(2 * layers + 3, space.Space.Count);
        var s = Assert.IsType<MLNet.Compression.AutoSearch.Space.Range>(space.Space[space.Units[0].Name + ".sparsity"]);
        Assert.Equal((0.0, 0.95, 0.05), (s.Min, s.Max, s.Step!.Value));
        Assert.Equal(["none", "16", "8", "4", "3", "2"], ((Choice)space.Space[space.Units[0].Name + ".bits"]).Options);
    }

    [Fact]
    public void BlockGroupSpace_SharesOneSettingPerBlockAttentionAndFfn()
    {
        var space = Space(new CompressionSpaceOptions { Granularity = PlanGranularity.BlockGroup, GroupSizes = [32] });
        Assert.All(space.Units, u => Assert.Matches(@"^block\d+\.(attention|ffn)$", u.Name));
        Assert.Equal(Model.Linears.Count(l => l.Role != LayerRole.Head), space.Units.Sum(u => u.Layers.Count));
        var plan = space.Plan(space.Uniform(new LayerSetting(0, "magnitude", 4, "rtn", 32)));
        Assert.All(plan.Settings.Values, s => Assert.Equal(4, s.Bits));
    }

    [Fact]
    public void Decoding_NmPrunesOnlyFloatUnitsAtHalfOrMore_QuantizedUnitsAreNotPruned_AndInt8FallsBackToRtnBelow8Bits()
    {
        var space = Space();
        var (u0, u1, u2, u3) = (space.Units[0], space.Units[1], space.Units[2], space.Units[3]);
        var p = space.Uniform(new LayerSetting(0, "nm", null, "dynamic-int8", 32))
            .With(CompressionSpace.SparsityName(u0), 0.6).With(CompressionSpace.SparsityName(u1), 0.3)
            .With(CompressionSpace.SparsityName(u2), 0.9).With(CompressionSpace.BitsName(u2), "4")
            .With(CompressionSpace.BitsName(u3), "8");
        var plan = space.Plan(p);
        Assert.Equal(0.5, plan.Settings[u0.Name].Sparsity);
        Assert.Equal(0, plan.Settings[u1.Name].Sparsity);
        Assert.Equal((0.0, 4, "rtn"), (plan.Settings[u2.Name].Sparsity, plan.Settings[u2.Name].Bits, plan.Settings[u2.Name].Quantizer));
        Assert.Equal("dynamic-int8", plan.Settings[u3.Name].Quantizer);

        // The ignored sparsity of a quantized unit is one value in the canonical point, so the two points are one plan.
        var other = p.With(CompressionSpace.SparsityName(u2), 0.2);
        Assert.NotEqual(p.Hash(), other.Hash());
        Assert.Equal(space.Canonical(p).Hash(), space.Canonical(other).Hash());
        Assert.Equal(0.6, space.Canonical(p).Number(CompressionSpace.SparsityName(u0)));
    }

    [Fact]
    public void UnknownMethodOrBits_IsAOneLineErrorNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Space(new CompressionSpaceOptions { Pruners = ["magnitude", "obs"] }));
        Assert.Contains("unknown pruner \"obs\"", e.Message);
        Assert.Contains("magnitude, wanda, sparsegpt, nm", e.Message);
        Assert.Contains("\"5\"", Assert.Throws<ArgumentException>(() => Space(new CompressionSpaceOptions { Bits = ["4", "5"] })).Message);
    }

    public static TheoryData<string> Settings() => new()
    {
        "fp16", "int8", "rtn8", "rtn4", "rtn3", "rtn2", "rtn3-row", "magnitude0.3", "magnitude0.85", "wanda0.85", "sparsegpt0.85", "nm", "magnitude0.5+rtn4", "mixed",
    };

    private static Parameters PointFor(CompressionSpace space, string name)
    {
        LayerSetting S(double sp, string pruner, int? bits, string q, int g = 32) => new(sp, pruner, bits, q, g);
        if (name == "mixed")
        {
            var all = new[] { S(0, "magnitude", 2, "rtn"), S(0, "magnitude", 16, "rtn"), S(0.75, "magnitude", null, "rtn"), S(0, "magnitude", 3, "rtn"), S(0, "magnitude", null, "rtn") };
            int i = 0;
            return space.Point(_ => all[i++ % all.Length], S(0, "magnitude", null, "rtn"));
        }
        var s = name switch
        {
            "fp16" => S(0, "magnitude", 16, "rtn"),
            "int8" => S(0, "magnitude", 8, "dynamic-int8"),
            "rtn8" => S(0, "magnitude", 8, "rtn"),
            "rtn4" => S(0, "magnitude", 4, "rtn"),
            "rtn3" => S(0, "magnitude", 3, "rtn"),
            "rtn2" => S(0, "magnitude", 2, "rtn"),
            "rtn3-row" => S(0, "magnitude", 3, "rtn", -1),
            "magnitude0.3" => S(0.3, "magnitude", null, "rtn"),
            "magnitude0.85" => S(0.85, "magnitude", null, "rtn"),
            "wanda0.85" => S(0.85, "wanda", null, "rtn"),
            "sparsegpt0.85" => S(0.85, "sparsegpt", null, "rtn"),
            "nm" => S(0.5, "nm", null, "rtn"),
            _ => S(0.5, "magnitude", 4, "rtn"),
        };
        return space.Uniform(s);
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void PredictedBytes_EqualTheStoredFormsAfterCompression(string setting)
    {
        var space = Space(new CompressionSpaceOptions { GroupSizes = [32, -1] });
        var plan = space.Plan(PointFor(space, setting));
        var recipe = plan.ToRecipe(null, 1, plan.NeedsCalibration ? new RecipeCalibration("unused.txt") : null);
        var rng = new Random(3);
        var calibration = CalibrationData.FromSequences(Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 16).Select(_ => rng.Next(Model.VocabSize)).ToArray()), 4);
        var model = RecipeRunner.Chain(recipe, "test").Fit(Model, plan.NeedsCalibration ? calibration : null).Model;
        foreach (var (name, s) in plan.Settings)
        {
            var layer = model.Linears.Single(l => l.Name == name);
            long actual = layer.Weight.StorageBytes + (layer.Bias?.Length ?? 0) * 4L;
            Assert.True(LayerBytes.Of(space.Layers[name], s) == actual, $"{name} {s.Label}: predicted {LayerBytes.Of(space.Layers[name], s)}, stored {actual} ({layer.Weight.Format})");
        }
        Assert.Equal(plan.SearchedBytes, space.Layers.Keys.Sum(n => model.Linears.Single(l => l.Name == n) is var l ? l.Weight.StorageBytes + (l.Bias?.Length ?? 0) * 4L : 0));
    }

    [Fact]
    public void Recipe_RoundTripsThroughJson_AndValidates()
    {
        var space = Space();
        var plan = space.Plan(PointFor(space, "mixed"));
        var recipe = plan.ToRecipe("/models/x", 7, null);
        string dir = Directory.CreateTempSubdirectory("recipe-").FullName;
        try
        {
            string path = Path.Combine(dir, "best.recipe.json");
            RecipeJson.Write(recipe, path);
            var back = Recipe.Load(path);
            Assert.Equal(recipe.Seed, back.Seed);
            Assert.Equal(recipe.Stages.Count, back.Stages.Count);
            for (int i = 0; i < recipe.Stages.Count; i++)
            {
                Assert.Equal(recipe.Stages[i].Method, back.Stages[i].Method);
                Assert.Equal(recipe.Stages[i].Groups, back.Stages[i].Groups);
                Assert.Equal(recipe.Stages[i].Plan?.OrderBy(k => k.Key), back.Stages[i].Plan?.OrderBy(k => k.Key));
            }
            back.Validate("best.recipe.json");
            var a = RecipeRunner.Chain(recipe, "a").Fit(Model).Model;
            var b = RecipeRunner.Chain(back, "b").Fit(Model).Model;
            Assert.Equal(a.StorageBytes(), b.StorageBytes());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Summary_CountsLayerLabels()
    {
        var space = Space();
        var plan = space.Plan(space.Uniform(new LayerSetting(0, "magnitude", 4, "rtn", 32)));
        Assert.Equal($"4b×{space.Units.Count} (rtn)", plan.Summary());
        // 4-bit codes plus a float scale and a byte zero point per 32 inputs (1.25 bits) plus the float biases of these narrow layers.
        Assert.True(plan.BitsPerWeight > 5.25 && plan.BitsPerWeight < 7, $"{plan.BitsPerWeight}");
    }
}
