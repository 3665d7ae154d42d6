using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Reporting;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.AutoSearch.Tests.Reporting;

/// <summary>Layer names of each family land in the right block and kind, so the plan heatmap's grid means the same for every model.</summary>
public sealed class LayerPositionTests
{
    [Theory]
    [InlineData("bert.encoder.layer.3.attention.self.query", "3", "q")]
    [InlineData("bert.encoder.layer.3.attention.self.key", "3", "k")]
    [InlineData("bert.encoder.layer.3.attention.self.value", "3", "v")]
    [InlineData("bert.encoder.layer.3.attention.output.dense", "3", "attn out")]
    [InlineData("bert.encoder.layer.3.intermediate.dense", "3", "ffn up")]
    [InlineData("bert.encoder.layer.3.output.dense", "3", "ffn down")]
    [InlineData("transformer.h.11.attn.c_attn", "11", "qkv")]
    [InlineData("transformer.h.11.attn.c_proj", "11", "attn out")]
    [InlineData("transformer.h.11.mlp.c_fc", "11", "ffn up")]
    [InlineData("transformer.h.11.mlp.c_proj", "11", "ffn down")]
    [InlineData("model.layers.0.self_attn.q_proj", "0", "q")]
    [InlineData("model.layers.0.self_attn.o_proj", "0", "attn out")]
    [InlineData("model.layers.0.mlp.gate_proj", "0", "ffn gate")]
    [InlineData("model.layers.0.mlp.up_proj", "0", "ffn up")]
    [InlineData("model.layers.0.mlp.down_proj", "0", "ffn down")]
    [InlineData("distilbert.transformer.layer.5.attention.v_lin", "5", "v")]
    [InlineData("distilbert.transformer.layer.5.ffn.lin2", "5", "ffn down")]
    [InlineData("gpt_neox.layers.2.attention.query_key_value", "2", "qkv")]
    [InlineData("model.decoder.layers.1.encoder_attn.k_proj", "dec 1", "cross k")]
    [InlineData("block3.ffn", "3", "ffn")]
    [InlineData("block3.attention", "3", "attention")]
    [InlineData("bert.pooler.dense", "other", "bert.pooler.dense")]
    public void Of_ReadsBlockAndKindFromTheName(string name, string block, string kind)
    {
        var p = LayerPosition.Of(name);
        Assert.Equal((block, kind), (p.BlockLabel, p.Kind));
    }

    [Fact]
    public void Of_PrefersTheRole_WhenTheModelGivesIt()
    {
        Assert.Equal("ffn down", LayerPosition.Of("h.0.weird_name", LayerRole.FfnDown).Kind);
    }

    [Fact]
    public void PlanHeatmap_PutsBlocksInRowsAndKindsInModelOrder_AndHatchesPrunedLayers()
    {
        var settings = new Dictionary<string, LayerSetting>
        {
            ["transformer.h.1.mlp.c_proj"] = new(0, "magnitude", 2, "rtn", 32),
            ["transformer.h.0.attn.c_attn"] = new(0, "magnitude", 4, "rtn", 32),
            ["transformer.h.0.mlp.c_fc"] = new(0.5, "magnitude", null, "rtn", 32),
            ["transformer.h.1.attn.c_attn"] = new(0, "magnitude", 16, "rtn", 32),
        };
        var heat = PlanHeatmap.For(settings);
        Assert.Equal(["0", "1"], heat.Rows);
        Assert.Equal(["qkv", "ffn up", "ffn down"], heat.Columns);
        Assert.Equal("4b", heat.Cells[0, 0]!.Text);
        Assert.True(heat.Cells[0, 1]!.Hatched);
        Assert.Equal("s0.50", heat.Cells[0, 1]!.Text);
        Assert.Null(heat.Cells[0, 2]);
        Assert.NotEqual(heat.Cells[0, 0]!.Fill, heat.Cells[1, 2]!.Fill); // 4-bit and 2-bit differ
        Assert.Equal(["fp32 (not quantized)", "fp16", "4-bit", "2-bit", "hatched: pruned (s = sparsity, 2:4 = N:M)"], heat.Swatches.Select(s => s.Label));
        System.Xml.Linq.XElement.Parse(heat.ToSvg());
    }
}
