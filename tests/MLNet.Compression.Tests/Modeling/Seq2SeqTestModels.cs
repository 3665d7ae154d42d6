using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>Loads a fixture's weights under an edited config.json, to check config variants the fixtures do not cover.</summary>
internal static class Seq2SeqTestModels
{
    public static JsonObject Config(string arch)
        => JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.Fixture("models", arch), "config.json")))!.AsObject();

    /// <summary>The fixture's tensors in memory, so a test can add or drop keys.</summary>
    public static InMemoryTensorSource Weights(string arch, params string[] drop)
    {
        using var file = SafeTensorsCheckpoint.Open(SharedData.Fixture("models", arch));
        var mem = new InMemoryTensorSource(arch + " (in memory)");
        foreach (var k in file.Keys) if (!drop.Contains(k)) mem.Add(k, file.ReadFloat32(k), file.Shape(k));
        return mem;
    }

    public static LanguageModel Load(string arch, Action<JsonObject>? editConfig = null, Action<InMemoryTensorSource>? editWeights = null, string[]? drop = null)
    {
        var json = Config(arch);
        editConfig?.Invoke(json);
        var config = ConfigJson.Parse(json.ToJsonString(), arch + "/config.json");
        var weights = Weights(arch, drop ?? []);
        editWeights?.Invoke(weights);
        return ModelLoader.FamilyOf(config).Load(config, weights);
    }

    public static ModelInput Input(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        return fx.Input();
    }
}
