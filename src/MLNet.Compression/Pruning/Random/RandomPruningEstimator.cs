using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Pruning;

/// <summary>Random unstructured pruning (torch's RandomUnstructured: k entries chosen uniformly at random, seeded by the context).</summary>
public sealed class RandomPruningEstimator : ScorePruningEstimator
{
    /// <summary>Options of random unstructured pruning.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Local: each layer loses exactly its fraction. Global: the fraction holds over the chosen layers together. Default Local, as torch's random_unstructured.</summary>
        public PruningScope Scope { get; set; } = PruningScope.Local;
    }

    public RandomPruningEstimator(CompressionContext context, Options options) : base(context, options, options.Scope, "random") { }

    // RandomUnstructured.compute_mask draws rand_like(t) and prunes topk of it; any uniform ranking is equivalent.
    protected override float[] Scores(Linear layer, float[] weight, Random random)
    {
        var s = new float[weight.Length]; // [out·in]
        for (int i = 0; i < s.Length; i++) s[i] = random.NextSingle();
        return s;
    }
}
