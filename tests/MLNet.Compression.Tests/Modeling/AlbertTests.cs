using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Albert;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>ALBERT's layer sharing, group schedule and relative positions, which the one-group parity fixture does not reach.</summary>
public class AlbertTests
{
    private const int Vocab = 40, Emb = 8, Hidden = 16, Inter = 24, MaxPos = 10, Types = 2;

    [Fact]
    public void Fixture_RegistersTheSharedLayerOnceAndCountsParametersAsHuggingFace()
    {
        using var fx = new ReferenceFixture("albert");
        var model = ModelLoader.Load(fx.Folder);
        Assert.Equal(fx.Json.GetProperty("num_parameters_unique").GetInt64(), model.ParameterCount());
        // mapping_in + 6 linears of the one shared layer + predictions.dense + predictions.decoder, though 2 layers run.
        Assert.Equal(9, model.Linears.Count);
        Assert.Equal(model.Linears.Count, model.Linears.Select(l => l.Name).Distinct().Count());
        Assert.Equal(LayerRole.Projection, model.Linears.Single(l => l.Name == "albert.encoder.embedding_hidden_mapping_in").Role);
        Assert.Equal(LayerRole.AttentionOutput, model.Linears.Single(l => l.Name == "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense").Role);
        var decoder = (DenseWeight)model.Linears.Single(l => l.Name == "predictions.decoder").Weight;
        Assert.Same(model.OtherTensors.Single(t => t.Key == "albert.embeddings.word_embeddings.weight").Value.Data, decoder.Value.Data);
    }

    [Theory]
    [InlineData(3, 2, new[] { 0, 0, 1 })]
    [InlineData(2, 4, new[] { 0, 2 })]
    [InlineData(12, 1, new[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(6, 3, new[] { 0, 0, 1, 1, 2, 2 })]
    public void GroupOf_FollowsTheFloatDivisionOfAlbertTransformer(int layers, int groups, int[] expected)
    {
        var cfg = AlbertConfig.From(ConfigJson.Parse(Config(layers, groups, 1)));
        Assert.Equal(expected, Enumerable.Range(0, layers).Select(cfg.GroupOf).ToArray());
    }

    [Fact]
    public void Groups_AreLoadedAndRegisteredOnceEach()
    {
        var model = Load(Config(layers: 3, groups: 2, inner: 2), Weights(groups: 2, inner: 2));
        Assert.Equal(1 + 2 * 2 * 6 + 2, model.Linears.Count);
        var output = model.Forward(Input(), new ForwardOptions { OutputHiddenStates = true });
        Assert.Equal(4, output.HiddenStates.Count); // embeddings + one per outer layer, none per inner layer
    }

    [Fact]
    public void TwoIdenticalGroups_ComputeWhatOneSharedGroupComputes()
    {
        var shared = Load(Config(layers: 2, groups: 1, inner: 1), Weights(groups: 1, inner: 1)).Forward(Input()).Logits;
        var twoGroups = Load(Config(layers: 2, groups: 2, inner: 1), Weights(groups: 2, inner: 1, copies: true)).Forward(Input()).Logits;
        Assert.Equal(shared.Data, twoGroups.Data);
    }

    [Fact]
    public void InnerLayers_RunInSequenceWithinEachLayer()
    {
        // One layer of a group with two identical inner layers = two layers of a one-layer group.
        var twice = Load(Config(layers: 2, groups: 1, inner: 1), Weights(groups: 1, inner: 1)).Forward(Input()).Logits;
        var inner = Load(Config(layers: 1, groups: 1, inner: 2), Weights(groups: 1, inner: 2, copies: true)).Forward(Input()).Logits;
        Assert.Equal(twice.Data, inner.Data);
    }

    [Fact]
    public void TokenTypes_DefaultToZero()
    {
        var model = Load(Config(2, 1, 1), Weights(1, 1));
        var implicitTypes = model.Forward(Input()).Logits;
        var explicitTypes = model.Forward(new ModelInput(Input().Tokens, new int[5])).Logits;
        Assert.Equal(implicitTypes.Data, explicitTypes.Data);
        var other = model.Forward(new ModelInput(Input().Tokens, [0, 0, 1, 1, 1])).Logits;
        Assert.NotEqual(implicitTypes.Data, other.Data);
    }

    [Theory]
    [InlineData("relative_key")]
    [InlineData("relative_key_query")]
    public void RelativePositions_WithZeroDistancesEqualAbsoluteWithZeroPositions(string type)
    {
        var absolute = Weights(1, 1);
        absolute.Add("albert.embeddings.position_embeddings.weight", new float[MaxPos * Emb], MaxPos, Emb);
        var expected = Load(Config(2, 1, 1), absolute).Forward(Input()).Logits;

        var relative = Weights(1, 1, distance: true);
        relative.Add("albert.encoder.albert_layer_groups.0.albert_layers.0.attention.distance_embedding.weight",
            new float[(2 * MaxPos - 1) * (Hidden / 4)], 2 * MaxPos - 1, Hidden / 4);
        var model = Load(Config(2, 1, 1, ("position_embedding_type", type)), relative);
        Assert.Contains(model.OtherTensors, t => t.Key.EndsWith("attention.distance_embedding.weight", StringComparison.Ordinal));
        var actual = model.Forward(Input()).Logits;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected.Span[i], actual.Span[i], 5);

        // Non-zero distances must move the logits, and the position table is never added.
        var moved = Load(Config(2, 1, 1, ("position_embedding_type", type)), Weights(1, 1, distance: true)).Forward(Input()).Logits;
        Assert.NotEqual(expected.Data, moved.Data);
    }

    [Fact]
    public void RelativePositions_RequireTheDistanceTable()
    {
        var ex = Assert.Throws<CheckpointException>(() => Load(Config(2, 1, 1, ("position_embedding_type", "relative_key")), Weights(1, 1)));
        Assert.Contains("distance_embedding", ex.Message);
    }

    [Theory]
    [InlineData("position_embedding_type", "\"rotary\"")]
    [InlineData("hidden_act", "\"mish\"")]
    [InlineData("num_hidden_groups", "0")]
    [InlineData("num_attention_heads", "5")]
    public void UnsupportedConfig_FailsAtLoadNamingTheField(string field, string value)
    {
        var json = Config(2, 1, 1).Replace("}", $",\"{field}\":{value}}}");
        var ex = Assert.Throws<CheckpointException>(() => Load(json, Weights(1, 1)));
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void InputsLongerThanThePositionTable_AreRejected()
    {
        var model = Load(Config(2, 1, 1), Weights(1, 1));
        var ids = Enumerable.Range(0, MaxPos + 1).Select(i => i % Vocab).ToArray();
        Assert.Throws<ArgumentException>(() => model.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids))));
    }

    private static ModelInput Input() => new(new TokenBatch(1, 5, [2, 7, 13, 21, 3]));

    private static LanguageModel Load(string json, ITensorSource weights) => new AlbertFamily().Load(ConfigJson.Parse(json), weights);

    private static string Config(int layers, int groups, int inner, params (string Field, object Value)[] extra)
    {
        var fields = new Dictionary<string, object>
        {
            ["model_type"] = "albert", ["vocab_size"] = Vocab, ["embedding_size"] = Emb, ["hidden_size"] = Hidden,
            ["intermediate_size"] = Inter, ["num_attention_heads"] = 4, ["num_hidden_layers"] = layers,
            ["num_hidden_groups"] = groups, ["inner_group_num"] = inner, ["max_position_embeddings"] = MaxPos,
            ["type_vocab_size"] = Types, ["hidden_act"] = "gelu_new",
        };
        foreach (var (f, v) in extra) fields[f] = v;
        return JsonSerializer.Serialize(fields);
    }

    /// <summary>
    /// Random weights for <paramref name="groups"/> × <paramref name="inner"/> layers; with <paramref name="copies"/> every layer
    /// repeats the values of group 0 / layer 0, so a shared and an unshared model must agree. Absolute positions are included
    /// unless <paramref name="distance"/> asks for a relative-position checkpoint (its distance table random).
    /// </summary>
    private static InMemoryTensorSource Weights(int groups, int inner, bool copies = false, bool distance = false)
    {
        var src = new InMemoryTensorSource("random-albert");
        void Add(string key, params int[] shape) => src.Add(key, Random((int)Tensor.ShapeSize(shape), Seed(key)), shape);
        void Norm(string p, int n) { src.Add(p + ".weight", Random(n, Seed(p), 1f), n); Add(p + ".bias", n); }
        void Lin(string p, int i, int o) { Add(p + ".weight", o, i); Add(p + ".bias", o); }
        Add("albert.embeddings.word_embeddings.weight", Vocab, Emb);
        if (!distance) Add("albert.embeddings.position_embeddings.weight", MaxPos, Emb);
        Add("albert.embeddings.token_type_embeddings.weight", Types, Emb);
        Norm("albert.embeddings.LayerNorm", Emb);
        Lin("albert.encoder.embedding_hidden_mapping_in", Emb, Hidden);
        string first = "albert.encoder.albert_layer_groups.0.albert_layers.0";
        for (int g = 0; g < groups; g++)
            for (int j = 0; j < inner; j++)
            {
                string p = $"albert.encoder.albert_layer_groups.{g}.albert_layers.{j}";
                if (copies && (g, j) != (0, 0))
                {
                    foreach (var key in src.Keys.Where(k => k.StartsWith(first + ".", StringComparison.Ordinal)).ToList())
                        src.Add(p + key[first.Length..], (float[])src.ReadFloat32(key).Clone(), src.Shape(key));
                    continue;
                }
                foreach (var n in new[] { "query", "key", "value", "dense" }) Lin($"{p}.attention.{n}", Hidden, Hidden);
                Norm($"{p}.attention.LayerNorm", Hidden);
                Lin($"{p}.ffn", Hidden, Inter);
                Lin($"{p}.ffn_output", Inter, Hidden);
                Norm($"{p}.full_layer_layer_norm", Hidden);
                if (distance) Add($"{p}.attention.distance_embedding.weight", 2 * MaxPos - 1, Hidden / 4);
            }
        Lin("predictions.dense", Hidden, Emb);
        Norm("predictions.LayerNorm", Emb);
        Add("predictions.bias", Vocab);
        return src;
    }

    /// <summary>A seed fixed by the key (FNV-1a), so leaving one tensor out does not change the others.</summary>
    private static int Seed(string key)
    {
        uint h = 2166136261;
        foreach (char c in key) h = (h ^ c) * 16777619;
        return (int)(h & 0x7fffffff);
    }

    private static float[] Random(int n, int seed, float mean = 0f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = mean + (float)(rng.NextDouble() - 0.5) * 0.6f;
        return a;
    }
}
