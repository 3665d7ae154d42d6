using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

public static class NeuronPruningCatalog
{
    /// <summary>Removes the <paramref name="fraction"/> of FFN neurons of smallest weight norm in each chosen FFN (narrower up/gate/down matrices).</summary>
    public static NeuronPruningEstimator Neurons(this PruningCatalog catalog, double? fraction = null, ModuleGroup? groups = null)
        => catalog.Neurons(new NeuronPruningEstimator.Options().With(fraction, groups));

    /// <summary>Neuron removal with every option.</summary>
    public static NeuronPruningEstimator Neurons(this PruningCatalog catalog, NeuronPruningEstimator.Options options) => new(catalog.Context, options);
}
