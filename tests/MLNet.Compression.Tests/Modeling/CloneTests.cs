using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

public class CloneTests
{
    [Theory]
    [InlineData("bert")]
    [InlineData("gpt2")]
    [InlineData("t5")]
    public void Clone_SharesWeightsButReplacingALayerLeavesTheOriginalAlone(string arch)
    {
        using var fx = new ReferenceFixture(arch);
        var original = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var before = original.Forward(input).Logits.Span.ToArray();
        var clone = original.Clone();
        Assert.Equal(before, clone.Forward(input).Logits.Span.ToArray());
        Assert.Equal(original.ParameterCount(), clone.ParameterCount());

        var layer = clone.Linears.First(l => l.Role != LayerRole.Head);
        layer.Weight = new DenseWeight(Tensor.Zeros(layer.OutFeatures, layer.InFeatures));
        Assert.NotEqual(before, clone.Forward(input).Logits.Span.ToArray());
        Assert.Equal(before, original.Forward(input).Logits.Span.ToArray());
    }
}
