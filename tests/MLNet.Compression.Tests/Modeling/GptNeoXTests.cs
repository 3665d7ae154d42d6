using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.GptNeoX;
using MLNet.Compression.Tensors;
using static MLNet.Compression.Tests.Modeling.DecoderFamilyTestKit;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>GPT-NeoX config fields the fixture leaves at one value: sequential residual, tying, attention bias, rotary_pct.</summary>
public class GptNeoXTests
{
    private const string Arch = "gpt_neox";

    [Fact]
    public void Linears_AreNamedAndRoledAsTheCheckpoint()
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", Arch));
        var names = model.Linears.Select(l => $"{l.Name}:{l.Role}").ToArray();
        Assert.Contains("gpt_neox.layers.0.attention.query_key_value:AttentionQkv", names);
        Assert.Contains("gpt_neox.layers.0.attention.dense:AttentionOutput", names);
        Assert.Contains("gpt_neox.layers.1.mlp.dense_h_to_4h:FfnUp", names);
        Assert.Contains("gpt_neox.layers.1.mlp.dense_4h_to_h:FfnDown", names);
        Assert.Equal("embed_out:Head", names[^1]);
        Assert.Equal(UniqueParameters(Arch), model.ParameterCount());
        Assert.Equal(4, ((GptNeoXForCausalLM)model).GptNeoXConfig.RotaryDim);
    }

    [Fact]
    public void SequentialResidual_EqualsParallelWhenAttentionIsSilent_AndDiffersOtherwise()
    {
        // With attention output zero, x + attn + mlp(ln2(x)) and (x + attn) + mlp(ln2(x + attn)) coincide.
        bool Silent(string k) => k.Contains("attention.dense");
        var silent = Weights(Arch, edit: (k, d) => Silent(k) ? new float[d.Length] : d);
        var input = Input(Arch);
        var parallel = Load(Arch, Config(Arch), silent).Forward(input).Logits;
        var sequential = Load(Arch, Config(Arch, ("use_parallel_residual", false)), Weights(Arch, edit: (k, d) => Silent(k) ? new float[d.Length] : d)).Forward(input).Logits;
        Assert.Equal(0, MaxDiff(parallel.ReadOnlySpan, sequential.ReadOnlySpan), 5);

        var p = Load(Arch, Config(Arch)).Forward(input).Logits;
        var s = Load(Arch, Config(Arch, ("use_parallel_residual", false))).Forward(input).Logits;
        Assert.True(MaxDiff(p.ReadOnlySpan, s.ReadOnlySpan) > 1e-3);
    }

    [Fact]
    public void NoAttentionBias_LoadsWithoutBiasKeys()
    {
        var noBias = Weights(Arch, keep: k => !(k.EndsWith("query_key_value.bias") || k.EndsWith("attention.dense.bias")));
        var model = Load(Arch, Config(Arch, ("attention_bias", false)), noBias);
        Assert.All(model.Linears.Where(l => l.Name.Contains(".attention.")), l => Assert.Null(l.Bias));
        Assert.Contains("query_key_value.bias", Assert.Throws<CheckpointException>(() => Load(Arch, Config(Arch), noBias)).Message);
    }

    [Fact]
    public void TiedHead_SharesEmbedIn()
    {
        var model = Load(Arch, Config(Arch, ("tie_word_embeddings", true)), Weights(Arch, keep: k => k != "embed_out.weight"));
        var head = (DenseWeight)model.Linears[^1].Weight;
        Assert.Same(model.OtherTensors.Single(t => t.Key == "gpt_neox.embed_in.weight").Value, head.Value);
        Assert.Equal(UniqueParameters(Arch) - 512 * 64, model.ParameterCount());
    }

    [Fact]
    public void RotaryPct_SetsRotatedChannels_AndOddCountsAreRefused()
    {
        Assert.Equal(16, GptNeoXConfig.From(Config(Arch, ("rotary_pct", 1.0))).RotaryDim);
        Assert.Equal(0, GptNeoXConfig.From(Config(Arch, ("rotary_pct", 0.0))).RotaryDim);
        var e = Assert.Throws<CheckpointException>(() => GptNeoXConfig.From(Config(Arch, ("rotary_pct", 0.2)))); // int(16·0.2) = 3
        Assert.Contains("rotary_pct", e.Message);
        // Full rotary is a different model.
        var input = Input(Arch);
        var quarter = Load(Arch, Config(Arch)).Forward(input).Logits;
        var full = Load(Arch, Config(Arch, ("rotary_pct", 1.0))).Forward(input).Logits;
        Assert.True(MaxDiff(quarter.ReadOnlySpan, full.ReadOnlySpan) > 1e-3);
    }

    [Fact]
    public void RopeScaling_IsValidated()
    {
        var bad = JsonNode.Parse("""{"type": "ntk", "factor": 2.0}""");
        Assert.Contains("rope_scaling.type", Assert.Throws<CheckpointException>(() => Load(Arch, Config(Arch, ("rope_scaling", bad)))).Message);
        var linear = JsonNode.Parse("""{"type": "linear", "factor": 2.0}""");
        var model = (GptNeoXForCausalLM)Load(Arch, Config(Arch, ("rope_scaling", linear)));
        Assert.Equal(new RopeScaling("linear", 2.0), model.GptNeoXConfig.RopeScaling);
    }

    [Fact]
    public void Defaults_FollowGptNeoXConfig()
    {
        var cfg = GptNeoXConfig.From(ConfigJson.Parse("""{"model_type": "gpt_neox"}"""));
        Assert.Equal((50432, 6144, 44, 64, 24576), (cfg.VocabSize, cfg.HiddenSize, cfg.Layers, cfg.Heads, cfg.IntermediateSize));
        Assert.Equal((0.25, 24, 10000.0, 2048, 1e-5f), (cfg.RotaryPct, cfg.RotaryDim, cfg.RotaryEmbBase, cfg.MaxPositions, cfg.LayerNormEps));
        Assert.Equal((true, true, false), (cfg.UseParallelResidual, cfg.AttentionBias, cfg.TieWordEmbeddings));
        Assert.Equal(Activation.Gelu, cfg.HiddenAct);
    }
}
