using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>Loads a fixture's weights with an edited config.json, for testing config fields the fixtures leave at one value.</summary>
internal static class DecoderFamilyTestKit
{
    /// <summary>The fixture's weights in memory, optionally without some keys or with some replaced.</summary>
    public static InMemoryTensorSource Weights(string arch, Func<string, bool>? keep = null, Func<string, float[], float[]>? edit = null)
    {
        using var st = SafeTensorsCheckpoint.Open(SharedData.Fixture("models", arch));
        var src = new InMemoryTensorSource(arch + " (edited)");
        foreach (var k in st.Keys)
            if (keep?.Invoke(k) ?? true)
            {
                var data = st.ReadFloat32(k);
                src.Add(k, edit?.Invoke(k, data) ?? data, st.Shape(k));
            }
        return src;
    }

    /// <summary>The fixture's config.json with fields set (a null value removes the field).</summary>
    public static ConfigJson Config(string arch, params (string Field, JsonNode? Value)[] changes)
    {
        var node = JsonNode.Parse(File.ReadAllText(SharedData.Fixture("models", arch, "config.json")))!.AsObject();
        foreach (var (f, v) in changes)
            if (v is null) node.Remove(f); else node[f] = v;
        return ConfigJson.Parse(node.ToJsonString(), $"{arch}/config.json (edited)");
    }

    public static LanguageModel Load(string arch, ConfigJson config, ITensorSource? weights = null)
        => ModelLoader.FamilyOf(config).Load(config, weights ?? Weights(arch));

    public static ModelInput Input(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        return fx.Input();
    }

    public static long UniqueParameters(string arch)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(SharedData.Fixture("models", arch, "reference.json")));
        return doc.RootElement.GetProperty("num_parameters_unique").GetInt64();
    }

    public static double MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
