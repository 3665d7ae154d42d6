using System.Text.Json;
using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>`search --space FILE` narrows the built space by parameter name; a name the model does not have is one error line.</summary>
[Collection(SearchProcessesCollection.Name)]
public sealed class SearchSpaceFileTests(SearchWorld world)
{
    [Fact]
    public void FixedChoices_HoldInEveryTrial_AndTheBestRecipeRunsWithCompress()
    {
        string dir = world.NewFolder("space");
        string layer = "bert.encoder.layer.0.attention.self.query";
        string space = Path.Combine(world.NewFolder("space-file"), "space.json");
        File.WriteAllText(space, $$"""
            {"parameters": [{"name": "pruner", "choice": ["magnitude"]}, {"name": "quantizer", "choice": ["rtn"]},
                            {"name": "{{layer}}.bits", "choice": ["4"]}]}
            """);
        // A loose bias bound: this world's few bias items give every plan a wide upper bound, and the test needs a best plan.
        string[] args = world.SearchArgs(4, dir, "--space", space);
        args[Array.IndexOf(args, "--max-bias-shift") + 1] = "100";
        var (code, output, err) = SearchProcess.Run(TimeSpan.FromMinutes(3), args);
        Assert.True(code == 0, output + err);

        using var store = StudyStores.Open("sqlite:" + Path.Combine(dir, "study.db"), "test");
        var trials = store.Trials("search");
        Assert.Equal(4, trials.Count);
        Assert.All(trials, t =>
        {
            Assert.Equal("magnitude", t.Parameters.Text("pruner"));
            Assert.Equal("rtn", t.Parameters.Text("quantizer"));
            Assert.Equal("4", t.Parameters.Text(layer + ".bits"));
        });

        // The best plan's recipe is a recipe `compress` runs.
        string recipe = Path.Combine(dir, "best.recipe.json");
        Assert.True(File.Exists(recipe), output);
        using (var doc = JsonDocument.Parse(File.ReadAllText(recipe))) Assert.True(doc.RootElement.GetProperty("stages").GetArrayLength() > 0);
        string compressed = Path.Combine(world.NewFolder("compressed"), "model");
        var (c2, o2, e2) = CliProcess.Run(["compress", "--recipe", recipe, "-o", compressed]);
        Assert.True(c2 == 0, o2 + e2);
        Assert.True(File.Exists(Path.Combine(compressed, "manifest.json")));
    }

    [Fact]
    public void AParameterTheModelDoesNotHave_IsOneErrorLine()
    {
        string space = Path.Combine(world.NewFolder("space-bad"), "space.json");
        File.WriteAllText(space, """{"parameters": [{"name": "transformer.h.0.attn.c_attn.bits", "choice": ["4"]}]}""");
        var (code, _, err) = SearchProcess.Run(TimeSpan.FromMinutes(2), world.SearchArgs(2, world.NewFolder("space-bad-out"), "--space", space));
        Assert.Equal(1, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains("transformer.h.0.attn.c_attn.bits", lines[0]);
        Assert.Contains("is not in this model's search space", lines[0]);
    }
}
