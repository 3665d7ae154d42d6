namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// The Tree-structured Parzen Estimator's density over the options of a choice (Bergstra et al. 2011): weighted option
/// frequencies smoothed by a uniform prior of total weight <see cref="ParzenEstimator.PriorWeight"/>, so an option
/// never seen keeps a non-zero probability.
/// </summary>
internal sealed class CategoricalEstimator
{
    private readonly double[] _p;

    /// <param name="options">number of options</param>
    /// <param name="indices">observed option indices</param>
    /// <param name="weights">their weights</param>
    public CategoricalEstimator(int options, IReadOnlyList<int> indices, IReadOnlyList<double> weights)
    {
        if (options < 1) throw new ArgumentException($"categorical estimator: {options} options.");
        if (indices.Count != weights.Count) throw new ArgumentException($"categorical estimator: {indices.Count} indices and {weights.Count} weights.");
        _p = new double[options];
        for (int k = 0; k < options; k++) _p[k] = ParzenEstimator.PriorWeight / options;
        for (int i = 0; i < indices.Count; i++) _p[indices[i]] += weights[i];
        double total = _p.Sum();
        for (int k = 0; k < options; k++) _p[k] /= total;
    }

    public int Count => _p.Length;

    public int Sample(Random rng)
    {
        double r = rng.NextDouble(), acc = 0;
        for (int k = 0; k < _p.Length; k++)
        {
            acc += _p[k];
            if (r < acc) return k;
        }
        return _p.Length - 1;
    }

    public double LogProbability(int index) => Math.Log(_p[index]);
}
