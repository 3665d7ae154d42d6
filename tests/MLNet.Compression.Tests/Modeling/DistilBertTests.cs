using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.DistilBert;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>DistilBERT behaviour the parity fixture does not reach: config aliases, sinusoidal positions, untied heads, names and counts.</summary>
public class DistilBertTests
{
    private const int Vocab = 50, Dim = 16, HiddenDim = 24, Layers = 2, MaxPos = 12;

    [Fact]
    public void Fixture_CountsParametersOnceAndNamesLayersAsHuggingFace()
    {
        using var fx = new ReferenceFixture("distilbert");
        var model = ModelLoader.Load(fx.Folder);
        Assert.Equal(fx.Json.GetProperty("num_parameters_unique").GetInt64(), model.ParameterCount());
        var q = Assert.Single(model.Linears, l => l.Name == "distilbert.transformer.layer.1.attention.q_lin");
        Assert.Equal(LayerRole.AttentionQuery, q.Role);
        Assert.Equal(LayerRole.FfnDown, model.Linears.Single(l => l.Name == "distilbert.transformer.layer.0.ffn.lin2").Role);
        var projector = (DenseWeight)model.Linears.Single(l => l.Name == "vocab_projector").Weight;
        var embeddings = model.OtherTensors.Single(t => t.Key == "distilbert.embeddings.word_embeddings.weight").Value;
        Assert.Same(embeddings.Data, projector.Value.Data);
    }

    [Fact]
    public void LogitPositions_ReturnTheSameRowsAsTheFullForward()
    {
        using var fx = new ReferenceFixture("distilbert");
        var model = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var full = model.Forward(input).Logits;
        int[] picked = [3, 0, 9];
        var some = model.Forward(input, new ForwardOptions { LogitPositions = picked }).Logits;
        Assert.Equal([picked.Length, model.VocabSize], some.Shape);
        // The GEMM may pick another kernel for a few rows, so equal up to float32 summation order, not bitwise.
        for (int i = 0; i < picked.Length; i++)
        {
            var expected = full.ReadOnlySpan.Slice(picked[i] * model.VocabSize, model.VocabSize).ToArray();
            var actual = some.ReadOnlySpan.Slice(i * model.VocabSize, model.VocabSize).ToArray();
            for (int v = 0; v < expected.Length; v++) Assert.True(Math.Abs(expected[v] - actual[v]) <= 1e-5f, $"row {picked[i]}, vocab {v}: {expected[v]} vs {actual[v]}");
        }
    }

    [Fact]
    public void SinusoidalPositions_AreComputedWhenTheCheckpointOmitsTheTable()
    {
        var weights = Weights(includePositions: false);
        var model = Load(Config(("sinusoidal_pos_embds", true)), weights);
        var table = model.OtherTensors.Single(t => t.Key == "distilbert.embeddings.position_embeddings.weight").Value;
        Assert.Equal([MaxPos, Dim], table.Shape);
        for (int pos = 0; pos < MaxPos; pos++)
            for (int j = 0; j < Dim; j++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * (j / 2) / Dim);
                Assert.True(Math.Abs((j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle)) - table[pos, j]) < 1e-7, $"position {pos}, column {j}");
            }
        Assert.Equal([1, 5, Vocab], model.Forward(Input()).Logits.Shape);
    }

    [Fact]
    public void SinusoidalPositions_UseTheStoredTableWhenPresent()
    {
        var weights = Weights(includePositions: true);
        var model = Load(Config(("sinusoidal_pos_embds", true)), weights);
        var table = model.OtherTensors.Single(t => t.Key == "distilbert.embeddings.position_embeddings.weight").Value;
        Assert.Equal(weights.ReadFloat32("distilbert.embeddings.position_embeddings.weight"), table.Data);
    }

    [Fact]
    public void LearnedPositions_AreRequired()
    {
        var ex = Assert.Throws<CheckpointException>(() => Load(Config(), Weights(includePositions: false)));
        Assert.Contains("position_embeddings", ex.Message);
    }

    [Fact]
    public void AttributeMapAliases_OverrideTheXlmNames()
    {
        // hidden_size / num_attention_heads / num_hidden_layers map onto dim / n_heads / n_layers (DistilBertConfig.attribute_map).
        var json = $$"""{"model_type":"distilbert","vocab_size":{{Vocab}},"dim":999,"hidden_size":{{Dim}},"num_attention_heads":4,"n_heads":3,"num_hidden_layers":{{Layers}},"hidden_dim":{{HiddenDim}},"max_position_embeddings":{{MaxPos}}}""";
        var model = (DistilBertForMaskedLM)new DistilBertFamily().Load(ConfigJson.Parse(json), Weights(includePositions: true));
        Assert.Equal(Dim, model.HiddenSize);
        Assert.Equal(4, model.DistilBertConfig.Heads);
        Assert.Equal(Layers, model.LayerCount);
    }

    [Fact]
    public void UntiedHead_ReadsItsOwnProjector()
    {
        var weights = Weights(includePositions: true);
        var own = Random(Vocab * Dim, 7);
        weights.Add("vocab_projector.weight", own, Vocab, Dim);
        var model = Load(Config(("tie_word_embeddings", false)), weights);
        var projector = (DenseWeight)model.Linears.Single(l => l.Name == "vocab_projector").Weight;
        Assert.Equal(own, projector.Value.Data);
        Assert.Throws<CheckpointException>(() => Load(Config(("tie_word_embeddings", false)), Weights(includePositions: true)));
    }

    [Theory]
    [InlineData("activation", "\"gelu_10\"")]
    [InlineData("n_heads", "5")]
    public void UnsupportedConfig_FailsAtLoadNamingTheField(string field, string value)
    {
        var json = Config().Replace("}", $",\"{field}\":{value}}}");
        var ex = Assert.Throws<CheckpointException>(() => Load(json, Weights(includePositions: true)));
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void PaddedKeys_DoNotChangeTheRealTokens()
    {
        var model = Load(Config(), Weights(includePositions: true));
        var alone = model.Forward(Input()).Logits;
        var padded = model.Forward(new ModelInput(new TokenBatch(1, 7, [2, 5, 9, 11, 3, 0, 0], [1, 1, 1, 1, 1, 0, 0]))).Logits;
        for (int i = 0; i < 5 * Vocab; i++) Assert.True(Math.Abs(alone.Span[i] - padded.Span[i]) <= 1e-4f, $"logit {i}: {alone.Span[i]} vs {padded.Span[i]}");
    }

    private static ModelInput Input() => new(new TokenBatch(1, 5, [2, 5, 9, 11, 3]));

    private static LanguageModel Load(string json, ITensorSource weights) => new DistilBertFamily().Load(ConfigJson.Parse(json), weights);

    private static string Config(params (string Field, object Value)[] extra)
    {
        var fields = new Dictionary<string, object>
        {
            ["model_type"] = "distilbert", ["vocab_size"] = Vocab, ["dim"] = Dim, ["hidden_dim"] = HiddenDim, ["n_layers"] = Layers,
            ["n_heads"] = 4, ["max_position_embeddings"] = MaxPos, ["activation"] = "gelu",
        };
        foreach (var (f, v) in extra) fields[f] = v;
        return JsonSerializer.Serialize(fields);
    }

    private static InMemoryTensorSource Weights(bool includePositions)
    {
        var src = new InMemoryTensorSource("random-distilbert");
        void Add(string key, params int[] shape) => src.Add(key, Random((int)Tensor.ShapeSize(shape), Seed(key)), shape);
        void Norm(string p) { src.Add(p + ".weight", Random(Dim, Seed(p), 1f), Dim); Add(p + ".bias", Dim); }
        void Lin(string p, int i, int o) { Add(p + ".weight", o, i); Add(p + ".bias", o); }
        Add("distilbert.embeddings.word_embeddings.weight", Vocab, Dim);
        if (includePositions) Add("distilbert.embeddings.position_embeddings.weight", MaxPos, Dim);
        Norm("distilbert.embeddings.LayerNorm");
        for (int i = 0; i < Layers; i++)
        {
            string p = $"distilbert.transformer.layer.{i}";
            foreach (var n in new[] { "q_lin", "k_lin", "v_lin", "out_lin" }) Lin($"{p}.attention.{n}", Dim, Dim);
            Norm($"{p}.sa_layer_norm");
            Lin($"{p}.ffn.lin1", Dim, HiddenDim);
            Lin($"{p}.ffn.lin2", HiddenDim, Dim);
            Norm($"{p}.output_layer_norm");
        }
        Lin("vocab_transform", Dim, Dim);
        Norm("vocab_layer_norm");
        Add("vocab_projector.bias", Vocab);
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
