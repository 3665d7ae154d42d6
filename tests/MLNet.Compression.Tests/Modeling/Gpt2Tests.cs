using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Gpt2;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>GPT-2 behaviours the shared parity fixtures do not pin down: config variants, tying, the key/value cache.</summary>
public class Gpt2Tests
{
    private const int Hidden = 16, Heads = 2, Vocab = 40, Positions = 24;

    [Fact]
    public void ParameterCount_CountsTiedHeadOnce_AsHuggingFaceNumParameters()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2"));
        Assert.Equal(103168, model.ParameterCount()); // reference.json num_parameters_unique
        var head = model.Linears.Single(l => l.Name == "lm_head");
        var wte = model.OtherTensors.Single(t => t.Key == "transformer.wte.weight").Value;
        Assert.Same(wte, ((DenseWeight)head.Weight).Value);
        Assert.Equal(LayerRole.Head, head.Role);
    }

    [Fact]
    public void Linears_AreNamedByHuggingFaceKeys_WithFusedQkvRole()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2"));
        var qkv = model.Linears.Single(l => l.Name == "transformer.h.1.attn.c_attn");
        Assert.Equal(LayerRole.AttentionQkv, qkv.Role);
        Assert.True(qkv.StoredTransposed);
        Assert.Equal((64, 192), (qkv.InFeatures, qkv.OutFeatures));
        Assert.Equal(LayerRole.FfnUp, model.Linears.Single(l => l.Name == "transformer.h.0.mlp.c_fc").Role);
        Assert.Equal(LayerRole.FfnDown, model.Linears.Single(l => l.Name == "transformer.h.0.mlp.c_proj").Role);
        Assert.Equal(LayerRole.AttentionOutput, model.Linears.Single(l => l.Name == "transformer.h.0.attn.c_proj").Role);
    }

    [Fact]
    public void NInnerNull_MeansFourTimesNEmbd()
    {
        using var dir = TempModel.Write(Config(("n_inner", "null")), Tensors(inner: 4 * Hidden));
        var model = ModelLoader.Load(dir.Path);
        Assert.Equal(4 * Hidden, model.Linears.Single(l => l.Name == "transformer.h.0.mlp.c_fc").OutFeatures);
        AssertFinite(model.Forward(Input()).Logits);
    }

    [Fact]
    public void AddCrossAttention_IsRejectedAtLoad()
    {
        using var dir = TempModel.Write(Config(("add_cross_attention", "true")), Tensors());
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("add_cross_attention", e.Key);
    }

    [Fact]
    public void UnknownActivation_IsRejectedAtLoad()
    {
        using var dir = TempModel.Write(Config(("activation_function", "\"mish\"")), Tensors());
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(dir.Path));
        Assert.Equal("activation_function", e.Key);
    }

    [Fact]
    public void ScaleAttnByInverseLayerIdx_LeavesLayerZeroAndChangesLaterLayers()
    {
        using var plain = TempModel.Write(Config(), Tensors());
        using var scaled = TempModel.Write(Config(("scale_attn_by_inverse_layer_idx", "true")), Tensors());
        var opts = new ForwardOptions { OutputHiddenStates = true };
        var a = ModelLoader.Load(plain.Path).Forward(Input(), opts);
        var b = ModelLoader.Load(scaled.Path).Forward(Input(), opts);
        // Layer 0 divides by 1, so its output is unchanged; layer 1 divides its scores by 2.
        Assert.Equal(a.HiddenStates[1].Span.ToArray(), b.HiddenStates[1].Span.ToArray());
        Assert.True(MaxDiff(a.HiddenStates[2], b.HiddenStates[2]) > 1e-4);
    }

    [Fact]
    public void ScaleAttnWeightsFalse_ChangesTheScores()
    {
        using var plain = TempModel.Write(Config(), Tensors());
        using var unscaled = TempModel.Write(Config(("scale_attn_weights", "false")), Tensors());
        var a = ModelLoader.Load(plain.Path).Forward(Input());
        var b = ModelLoader.Load(unscaled.Path).Forward(Input());
        Assert.True(MaxDiff(a.Logits, b.Logits) > 1e-4);
    }

    [Fact]
    public void UntiedHead_ReadsLmHeadWeight_AndFailsWithoutIt()
    {
        using var missing = TempModel.Write(Config(("tie_word_embeddings", "false")), Tensors());
        var e = Assert.Throws<CheckpointException>(() => ModelLoader.Load(missing.Path));
        Assert.Equal("lm_head.weight", e.Key);

        using var untied = TempModel.Write(Config(("tie_word_embeddings", "false")), [.. Tensors(), ("lm_head.weight", [Vocab, Hidden])]);
        var model = ModelLoader.Load(untied.Path);
        var wte = model.OtherTensors.Single(t => t.Key == "transformer.wte.weight").Value;
        Assert.NotSame(wte, ((DenseWeight)model.Linears.Single(l => l.Name == "lm_head").Weight).Value);
    }

    [Fact]
    public void BareGpt2ModelKeys_LoadWithoutTransformerPrefix()
    {
        using var dir = TempModel.Write(Config(), Tensors().Select(t => (t.Key["transformer.".Length..], t.Shape)).ToArray());
        var model = ModelLoader.Load(dir.Path);
        AssertFinite(model.Forward(Input()).Logits);
    }

    [Fact]
    public void TokenTypeIds_AreEmbeddedWithTheTokenTable()
    {
        using var dir = TempModel.Write(Config(), Tensors());
        var model = ModelLoader.Load(dir.Path);
        var input = Input();
        var types = new int[input.Tokens.Ids.Length];
        var zero = model.Forward(input with { TokenTypeIds = types }, new ForwardOptions { OutputHiddenStates = true });
        var none = model.Forward(input, new ForwardOptions { OutputHiddenStates = true });
        // Type id 0 adds row 0 of wte, so the embeddings differ by exactly that row.
        var wte = model.OtherTensors.Single(t => t.Key == "transformer.wte.weight").Value;
        for (int i = 0; i < Hidden; i++)
            Assert.Equal(none.HiddenStates[0].Span[i] + wte.Span[i], zero.HiddenStates[0].Span[i], 5);
    }

    [Fact]
    public void ForwardCached_InPieces_MatchesOneForward_WithPadding()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2"));
        CausalCacheCheck.PiecesMatchWhole(model, Fixture("gpt2"), split: 4);
    }

    [Fact]
    public void Greedy_WithCache_EqualsRecomputingThePrefixEachStep()
    {
        using var dir = TempModel.Write(Config(), Tensors());
        var model = ModelLoader.Load(dir.Path);
        int[] prompt = [3, 1, 4, 1, 5];
        var cached = GreedyGenerator.Generate(model, prompt, 15);
        var seq = new List<int>(prompt);
        while (seq.Count < cached.Length)
        {
            var logits = model.Forward(new ModelInput(new TokenBatch(1, seq.Count, seq.ToArray())), new ForwardOptions { LogitPositions = [seq.Count - 1] }).Logits;
            seq.Add(TensorOps.ArgMax(logits.ReadOnlySpan));
        }
        Assert.Equal(seq.ToArray(), cached);
    }

    [Fact]
    public void LogitPositions_PickRowsOfTheFullLogits()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", "gpt2"));
        var input = Fixture("gpt2");
        var full = model.Forward(input).Logits;
        var picked = model.Forward(input, new ForwardOptions { LogitPositions = [3, 9] }).Logits;
        int v = model.VocabSize;
        Assert.Equal([2, v], picked.Shape);
        for (int i = 0; i < v; i++)
        {
            Assert.Equal(full.Span[3 * v + i], picked.Span[i], 5);
            Assert.Equal(full.Span[9 * v + i], picked.Span[v + i], 5);
        }
    }

    internal static ModelInput Fixture(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        return fx.Input();
    }

    private static ModelInput Input() => new(TokenBatch.FromRows([[1, 5, 9, 3, 7], [2, 4, 6]]));

    private static string Config(params (string Field, string Json)[] overrides)
    {
        var fields = new Dictionary<string, string>
        {
            ["model_type"] = "\"gpt2\"", ["vocab_size"] = $"{Vocab}", ["n_embd"] = $"{Hidden}", ["n_head"] = $"{Heads}",
            ["n_layer"] = "2", ["n_positions"] = $"{Positions}", ["n_inner"] = "24", ["activation_function"] = "\"gelu_new\"",
        };
        foreach (var (f, j) in overrides) fields[f] = j;
        return "{" + string.Join(", ", fields.Select(kv => $"\"{kv.Key}\": {kv.Value}")) + "}";
    }

    private static (string Key, int[] Shape)[] Tensors(int inner = 24)
    {
        var list = new List<(string, int[])> { ("transformer.wte.weight", [Vocab, Hidden]), ("transformer.wpe.weight", [Positions, Hidden]) };
        for (int i = 0; i < 2; i++)
        {
            string p = $"transformer.h.{i}";
            list.AddRange([
                ($"{p}.ln_1.weight", [Hidden]), ($"{p}.ln_1.bias", [Hidden]),
                ($"{p}.attn.c_attn.weight", [Hidden, 3 * Hidden]), ($"{p}.attn.c_attn.bias", [3 * Hidden]),
                ($"{p}.attn.c_proj.weight", [Hidden, Hidden]), ($"{p}.attn.c_proj.bias", [Hidden]),
                ($"{p}.ln_2.weight", [Hidden]), ($"{p}.ln_2.bias", [Hidden]),
                ($"{p}.mlp.c_fc.weight", [Hidden, inner]), ($"{p}.mlp.c_fc.bias", [inner]),
                ($"{p}.mlp.c_proj.weight", [inner, Hidden]), ($"{p}.mlp.c_proj.bias", [Hidden])]);
        }
        list.AddRange([("transformer.ln_f.weight", [Hidden]), ("transformer.ln_f.bias", [Hidden])]);
        return list.ToArray();
    }

    internal static void AssertFinite(Tensor t)
    {
        foreach (float v in t.ReadOnlySpan) Assert.True(float.IsFinite(v), $"non-finite value in {t}");
    }

    internal static double MaxDiff(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a.Span[i] - b.Span[i]));
        return m;
    }
}
