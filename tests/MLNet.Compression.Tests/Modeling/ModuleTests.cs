using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Modeling;

/// <summary>What each kind of module contributes to <see cref="LanguageModel.Linears"/> and <see cref="LanguageModel.OtherTensors"/>.</summary>
public sealed class ModuleTests
{
    private sealed class Block(IReadOnlyList<IModule> modules) : CompositeModule
    {
        public override IReadOnlyList<IModule> Modules => modules;
    }

    [Fact]
    public void Modules_ListTheirLinearsAndTensorsInOrder()
    {
        var q = new Linear("l.q", LayerRole.AttentionQuery, new DenseWeight(Tensor.Zeros(2, 2)), null);
        var up = new Linear("l.up", LayerRole.FfnUp, new DenseWeight(Tensor.Zeros(3, 2)), new float[3]);
        var ln = new LayerNorm("l.ln", [1f, 1f], [0f, 0f], 1e-5f);
        var noBias = new LayerNorm("l.ln2", [1f, 1f], null, 1e-5f);
        var noAffine = new LayerNorm("l.ln3", null, null, 1e-5f);
        var rms = new RmsNorm("l.rms", [1f, 1f], 1e-6f);
        var table = new NamedTensor("l.table.weight", Tensor.Zeros(4, 2));
        IModule block = new Block([ln, q, new Block([noBias, up]), noAffine, rms, table]);

        Assert.Equal(["l.q", "l.up"], block.LinearLayers.Select(l => l.Name));
        Assert.Equal(["l.ln.weight", "l.ln.bias", "l.ln2.weight", "l.rms.weight", "l.table.weight"], block.NamedTensors.Select(t => t.Key));
        // A norm's tensors are views of its arrays, so ParameterCount and StorageBytes see one set of weights.
        Assert.Same(ln.Weight, block.NamedTensors.First().Value.Data);
        Assert.Same(table, block.NamedTensors.Last());
    }
}
