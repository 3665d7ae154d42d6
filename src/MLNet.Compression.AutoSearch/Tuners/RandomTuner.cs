using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// Uniform random search (Bergstra and Bengio 2012): every proposal after the starts is a uniform point of the unit
/// cube drawn from (seed, trial id, attempt); results are not used beyond avoiding points already run. The baseline the
/// other tuners must beat.
/// </summary>
public sealed class RandomTuner : UnitCubeTuner
{
    public RandomTuner(SearchSpace space, TunerOptions options) : base(space, options) { }

    protected override double[] Suggest(int trialId, int attempt, int draw, Random rng) => UniformPoint(rng);

    protected override void Observe(TrialResult result, double[] unit) { }
}
