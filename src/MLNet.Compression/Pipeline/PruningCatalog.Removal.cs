using MLNet.Compression.Compression;
using MLNet.Compression.Compression.Pruning;

namespace MLNet.Compression.Pipeline;

public sealed partial class PruningCatalog
{
    /// <summary>Removes the <paramref name="fraction"/> of attention heads of smallest weight norm in each chosen attention module (smaller q/k/v/o matrices).</summary>
    /// <param name="fraction">share of heads removed per module</param>
    /// <param name="groups">the query projections whose modules lose heads; default every attention module</param>
    public HeadPruningEstimator Heads(double fraction = 0.25, ModuleGroup? groups = null)
        => Heads(new HeadPruningEstimator.Options { Sparsity = fraction, Groups = groups ?? ModuleGroup.AttentionQkv });

    /// <summary>Head removal with every option (named heads, head size).</summary>
    public HeadPruningEstimator Heads(HeadPruningEstimator.Options options) => new(Context, options);

    /// <summary>Removes the <paramref name="fraction"/> of FFN neurons of smallest weight norm in each chosen FFN (narrower up/gate/down matrices).</summary>
    public NeuronPruningEstimator Neurons(double fraction = 0.25, ModuleGroup? groups = null)
        => Neurons(new NeuronPruningEstimator.Options { Sparsity = fraction, Groups = groups ?? ModuleGroup.Ffn });

    /// <summary>Neuron removal with every option.</summary>
    public NeuronPruningEstimator Neurons(NeuronPruningEstimator.Options options) => new(Context, options);
}
