using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Llama;
using MLNet.Compression.Tensors;
using static MLNet.Compression.Tests.Modeling.DecoderFamilyTestKit;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>Llama config fields the fixture leaves at one value: tying, rope scaling, bias, validation.</summary>
public class LlamaTests
{
    private const string Arch = "llama";

    [Fact]
    public void Linears_AreNamedAndRoledAsTheCheckpoint()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", Arch));
        var names = model.Linears.Select(l => $"{l.Name}:{l.Role}").ToArray();
        Assert.Contains("model.layers.1.self_attn.q_proj:AttentionQuery", names);
        Assert.Contains("model.layers.1.self_attn.k_proj:AttentionKey", names);
        Assert.Contains("model.layers.1.self_attn.v_proj:AttentionValue", names);
        Assert.Contains("model.layers.1.self_attn.o_proj:AttentionOutput", names);
        Assert.Contains("model.layers.0.mlp.gate_proj:FfnGate", names);
        Assert.Contains("model.layers.0.mlp.up_proj:FfnUp", names);
        Assert.Contains("model.layers.0.mlp.down_proj:FfnDown", names);
        Assert.Equal("lm_head:Head", names[^1]);
        Assert.Equal(32, model.Linears[1].OutFeatures); // k_proj: 2 kv heads × 16
        Assert.Equal(UniqueParameters(Arch), model.ParameterCount());
    }

    [Fact]
    public void TiedHead_SharesTheEmbeddingAndCountsOnce()
    {
        var cfg = Config(Arch, ("tie_word_embeddings", true));
        var model = Load(Arch, cfg, Weights(Arch, keep: k => k != "lm_head.weight"));
        var head = (DenseWeight)model.Linears[^1].Weight;
        Assert.Same(model.OtherTensors.Single(t => t.Key == "model.embed_tokens.weight").Value, head.Value);
        Assert.Equal(UniqueParameters(Arch) - 512 * 64, model.ParameterCount());
    }

    [Fact]
    public void LogitPositions_PickTheSameRowsAsTheFullForward()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", Arch));
        var input = Input(Arch);
        var full = model.Forward(input).Logits;
        var picked = model.Forward(input, new ForwardOptions { LogitPositions = [3, 9] }).Logits;
        Assert.Equal(new[] { 2, 512 }, picked.Shape);
        Assert.Equal(0, MaxDiff(full.ReadOnlySpan.Slice(3 * 512, 512), picked.ReadOnlySpan[..512]), 6);
        Assert.Equal(0, MaxDiff(full.ReadOnlySpan.Slice(9 * 512, 512), picked.ReadOnlySpan[512..]), 6);
    }

    [Fact]
    public void DynamicRopeScaling_ChangesNothingWithinMaxPositions_AndGrowsTheBaseBeyond()
    {
        var input = Input(Arch); // 7 tokens
        var plain = Load(Arch, Config(Arch)).Forward(input).Logits;
        var dyn = JsonNode.Parse("""{"type": "dynamic", "factor": 2.0}""")!;
        var within = Load(Arch, Config(Arch, ("rope_scaling", dyn))).Forward(input).Logits;
        Assert.Equal(0, MaxDiff(plain.ReadOnlySpan, within.ReadOnlySpan), 6);

        // Beyond max_position_embeddings = 4: base·((2·7/4) − 1)^(16/14), the same as rope_theta set to that value.
        double grown = 10000 * Math.Pow(2.0 * 7 / 4 - 1, 16.0 / 14);
        var beyond = Load(Arch, Config(Arch, ("rope_scaling", dyn.DeepClone()), ("max_position_embeddings", 4))).Forward(input).Logits;
        var equivalent = Load(Arch, Config(Arch, ("rope_theta", grown))).Forward(input).Logits;
        Assert.True(MaxDiff(plain.ReadOnlySpan, beyond.ReadOnlySpan) > 1e-3);
        Assert.True(MaxDiff(equivalent.ReadOnlySpan, beyond.ReadOnlySpan) < 1e-4);
    }

    [Fact]
    public void LinearRopeScaling_DividesPositionsByFactor()
    {
        var f = new RotaryFactory(16, 10000, 64, new RopeScaling("linear", 2.0));
        var scaled = Enumerable.Range(0, 16).Select(i => (float)Math.Sin(i + 1)).ToArray();
        var plain = (float[])scaled.Clone();
        f.For(8).Apply(scaled, 1, 1, 1, 16, [6]);
        new Rotary(16, 10000).Apply(plain, 1, 1, 1, 16, [3]);
        Assert.Equal(0, MaxDiff(plain, scaled), 6);
    }

    [Theory]
    [InlineData("""{"type": "yarn", "factor": 2.0}""", "rope_scaling.type")]
    [InlineData("""{"type": "linear", "factor": 1.0}""", "rope_scaling.factor")]
    [InlineData("""{"type": "linear"}""", "rope_scaling")]
    public void InvalidRopeScaling_FailsNamingTheField(string json, string field)
    {
        var e = Assert.Throws<CheckpointException>(() => Load(Arch, Config(Arch, ("rope_scaling", JsonNode.Parse(json)))));
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void BadHeadCounts_FailAtLoad()
    {
        Assert.Contains("num_key_value_heads", Assert.Throws<CheckpointException>(() => Load(Arch, Config(Arch, ("num_key_value_heads", 3)))).Message);
        Assert.Contains("_attn_implementation", Assert.Throws<CheckpointException>(() => Load(Arch, Config(Arch, ("_attn_implementation", "paged")))).Message);
    }

    [Fact]
    public void AttentionBias_LoadsBiasesOnAllFourProjections()
    {
        var biases = new InMemoryTensorSource("bias");
        var src = Weights(Arch);
        foreach (var k in src.Keys.ToArray()) biases.Add(k, src.ReadFloat32(k), src.Shape(k));
        for (int i = 0; i < 2; i++)
            foreach (var (p, n) in new[] { ("q_proj", 64), ("k_proj", 32), ("v_proj", 32), ("o_proj", 64) })
                biases.Add($"model.layers.{i}.self_attn.{p}.bias", new float[n], n);
        var withZeroBias = Load(Arch, Config(Arch, ("attention_bias", true)), biases);
        Assert.All(withZeroBias.Linears.Where(l => l.Name.Contains("self_attn")), l => Assert.NotNull(l.Bias));
        // Zero biases change nothing, so the fixture's logits still hold.
        var a = withZeroBias.Forward(Input(Arch)).Logits;
        var b = Load(Arch, Config(Arch)).Forward(Input(Arch)).Logits;
        Assert.Equal(0, MaxDiff(a.ReadOnlySpan, b.ReadOnlySpan), 6);
        // And a bias that is required but missing is an error naming it.
        Assert.Contains("q_proj.bias", Assert.Throws<CheckpointException>(() => Load(Arch, Config(Arch, ("attention_bias", true)))).Message);
    }

    [Fact]
    public void Defaults_FollowLlamaConfig()
    {
        var cfg = LlamaConfig.From(ConfigJson.Parse("""{"model_type": "llama"}"""));
        Assert.Equal((32000, 4096, 11008, 32, 32, 32), (cfg.VocabSize, cfg.HiddenSize, cfg.IntermediateSize, cfg.Layers, cfg.Heads, cfg.KvHeads));
        Assert.Equal((1e-6f, 10000.0, 2048, false, false), (cfg.RmsNormEps, cfg.RopeTheta, cfg.MaxPositions, cfg.TieWordEmbeddings, cfg.AttentionBias));
        Assert.Equal(Activation.Silu, cfg.HiddenAct);
    }
}
