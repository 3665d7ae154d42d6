using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tests.Modeling;

namespace MLNet.Compression.Tests.Pruning;

/// <summary>Removing heads or neurons for real gives the logits of zeroing them, with smaller matrices.</summary>
public class StructureRemovalTests
{
    /// <summary>A copy of <paramref name="model"/> with the given input columns of each named layer set to zero.</summary>
    private static LanguageModel ZeroColumns(LanguageModel model, Dictionary<string, int[]> columns)
    {
        var masked = model.Clone();
        foreach (var l in masked.Linears.Distinct())
        {
            if (!columns.TryGetValue(l.Name, out var cols)) continue;
            var w = l.Weight.ToDense().ReadOnlySpan.ToArray(); // [out, in]
            for (int r = 0; r < l.OutFeatures; r++) foreach (int c in cols) w[r * l.InFeatures + c] = 0f;
            l.Weight = new DenseWeight(new Tensor(w, l.OutFeatures, l.InFeatures));
        }
        return masked;
    }

    private static int[] Parse(string list) => list.Length == 0 ? [] : list.Split(',').Select(int.Parse).ToArray();

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++) max = MathF.Max(max, MathF.Abs(expected[i] - actual[i]));
        Assert.True(max < 2e-4f, $"max |diff| = {max}");
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("distilbert")]
    [InlineData("albert")]
    [InlineData("opt")]
    [InlineData("bart")]
    [InlineData("llama-mha")]
    public void RemovingHeads_EqualsZeroingTheirOutputColumns(string arch)
    {
        using var fx = new ReferenceFixture(arch == "llama-mha" ? "llama" : arch);
        // The Llama fixture uses grouped-query attention (refused); a random Llama with one key/value head per query head is not.
        var model = arch == "llama-mha"
            ? ModelLoader.CreateRandom(MLNet.Compression.IO.ConfigJson.Parse(File.ReadAllText(Path.Combine(fx.Folder, "config.json")).Replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4")), seed: 3, std: 0.2f)
            : ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var fitted = new CompressionContext(1).Pruning.Heads(0.5).Fit(model);
        int headDim = HeadPruningEstimator.HeadDimOf(model);
        var outputs = fitted.Changes.Where(c => model.Linears.First(l => l.Name == c.Layer).Role == LayerRole.AttentionOutput).ToList();
        Assert.NotEmpty(outputs);
        var zeroed = outputs.ToDictionary(c => c.Layer, c => Parse(c.Details["removed_heads"]).SelectMany(h => Enumerable.Range(h * headDim, headDim)).ToArray());
        foreach (var c in outputs)
        {
            var before = model.Linears.First(l => l.Name == c.Layer);
            var after = fitted.Model.Linears.First(l => l.Name == c.Layer);
            Assert.Equal(before.InFeatures - zeroed[c.Layer].Length, after.InFeatures); // the matrix really shrank
        }
        Assert.True(fitted.Model.ParameterCount() < model.ParameterCount());
        AssertClose(ZeroColumns(model, zeroed).Forward(input).Logits.ReadOnlySpan.ToArray(), fitted.Model.Forward(input).Logits.ReadOnlySpan.ToArray());
    }

    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    [InlineData("llama")]
    [InlineData("t5_v1_1")]
    [InlineData("gpt_neox")]
    public void RemovingNeurons_EqualsZeroingTheirDownColumns(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        var model = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var fitted = new CompressionContext(1).Pruning.Neurons(0.5).Fit(model);
        var downs = fitted.Changes.Where(c => model.Linears.First(l => l.Name == c.Layer).Role == LayerRole.FfnDown).ToList();
        Assert.NotEmpty(downs);
        var zeroed = downs.ToDictionary(c => c.Layer, c => Parse(c.Details["removed_neurons"]));
        foreach (var c in downs)
        {
            Assert.Equal(0.5, c.Sparsity!.Value, 12);
            Assert.Equal(model.Linears.First(l => l.Name == c.Layer).InFeatures / 2, fitted.Model.Linears.First(l => l.Name == c.Layer).InFeatures);
        }
        Assert.True(fitted.Model.StorageBytes() < model.StorageBytes());
        AssertClose(ZeroColumns(model, zeroed).Forward(input).Logits.ReadOnlySpan.ToArray(), fitted.Model.Forward(input).Logits.ReadOnlySpan.ToArray());
    }

    [Fact]
    public void NamedHeads_AreTheOnesRemoved()
    {
        using var fx = new ReferenceFixture("bert");
        var model = ModelLoader.Load(fx.Folder);
        const string q = "bert.encoder.layer.1.attention.self.query";
        var fitted = new CompressionContext(1).Pruning.Heads(new HeadPruningEstimator.Options { Heads = new Dictionary<string, int[]> { [q] = [3, 0] } }).Fit(model);
        Assert.Equal(4, fitted.Changes.Count); // q, k, v, o of layer 1 only
        Assert.All(fitted.Changes, c => Assert.Equal("0,3", c.Details["removed_heads"]));
        Assert.Equal(32, fitted.Model.Linears.First(l => l.Name == q).OutFeatures); // 4 heads of 16 → 2 heads
        var e = Assert.Throws<ArgumentException>(() => new CompressionContext(1).Pruning.Heads(new HeadPruningEstimator.Options { Heads = new Dictionary<string, int[]> { [q] = [0, 1, 2, 3] } }).Fit(model));
        Assert.Contains("leave none", e.Message);
    }

    [Theory]
    [InlineData("gpt2", "fused")]
    [InlineData("t5", "T5")]
    [InlineData("llama", "grouped-query")]
    public void HeadRemoval_RefusesFusedQkvGroupedQueryAndT5(string arch, string reason)
    {
        using var fx = new ReferenceFixture(arch);
        var e = Assert.Throws<NotSupportedException>(() => new CompressionContext(1).Pruning.Heads(0.5, ModuleGroup.Attention).Fit(ModelLoader.Load(fx.Folder)));
        Assert.Contains(reason, e.Message);
    }
}

public class StructureRemovalChainTests
{
    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    public void AStageAfterRemoval_ClonesTheNarrowerModel(string arch)
    {
        // Clone rebuilds from config.json, which still implies the original widths: the narrower layers must survive it.
        using var fx = new ReferenceFixture(arch);
        var model = ModelLoader.Load(fx.Folder);
        var ctx = new CompressionContext(1);
        var removed = ctx.Pruning.Neurons(0.5).Fit(model);
        var chained = ctx.Pruning.Neurons(0.5).Append(ctx.Pruning.Magnitude(0.5, ModuleGroup.AttentionQkv, PruningScope.Local)).Fit(model);
        var down = removed.Changes.First().Layer;
        Assert.Equal(removed.Model.Linears.First(l => l.Name == down).InFeatures, chained.Model.Linears.First(l => l.Name == down).InFeatures);
        Assert.All(chained.Model.Forward(fx.Input()).Logits.ReadOnlySpan.ToArray(), v => Assert.True(float.IsFinite(v)));
        var again = removed.Model.Clone();
        Assert.Equal(removed.Model.Forward(fx.Input()).Logits.ReadOnlySpan.ToArray(), again.Forward(fx.Input()).Logits.ReadOnlySpan.ToArray());
    }
}
