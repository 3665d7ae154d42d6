namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// A one-dimensional Parzen window density on [0, 1] for the Tree-structured Parzen Estimator (Bergstra, Bardenet,
/// Bengio, Kégl 2011): a weighted mixture of Gaussians truncated to the interval, one per observation plus a wide prior
/// component at the centre. Each kernel's bandwidth is the larger distance to its neighbours in sorted order (the
/// interval's ends bound the outer ones), clipped to [1 / min(100, n + 1), 1] — the rule of Bergstra et al. with
/// Optuna's "magic clip" lower bound, which stops a cluster of equal points from collapsing to a spike.
/// </summary>
internal sealed class ParzenEstimator
{
    /// <summary>Weight of the prior component (Optuna's default prior_weight).</summary>
    public const double PriorWeight = 1.0;

    private readonly double[] _mu;
    private readonly double[] _sigma;
    private readonly double[] _weight;     // normalised
    private readonly double[] _logMass;    // log of each truncated kernel's mass inside [0, 1]

    /// <param name="points">observations in [0, 1]</param>
    /// <param name="weights">their weights (same length, positive)</param>
    public ParzenEstimator(IReadOnlyList<double> points, IReadOnlyList<double> weights)
    {
        if (points.Count != weights.Count) throw new ArgumentException($"parzen: {points.Count} points and {weights.Count} weights.");
        int n = points.Count;
        var order = Enumerable.Range(0, n + 1).ToArray();
        var mu = new double[n + 1];
        var w = new double[n + 1];
        for (int i = 0; i < n; i++) { mu[i] = Math.Clamp(points[i], 0, 1); w[i] = weights[i]; }
        mu[n] = 0.5; w[n] = PriorWeight;
        Array.Sort(order, (a, b) => mu[a] != mu[b] ? mu[a].CompareTo(mu[b]) : a.CompareTo(b));

        var sigma = new double[n + 1];
        double minSigma = 1.0 / Math.Min(100, n + 1);
        for (int r = 0; r < order.Length; r++)
        {
            int i = order[r];
            double left = mu[i] - (r > 0 ? mu[order[r - 1]] : 0.0);
            double right = (r < order.Length - 1 ? mu[order[r + 1]] : 1.0) - mu[i];
            sigma[i] = Math.Clamp(Math.Max(left, right), minSigma, 1.0);
        }
        sigma[n] = 1.0; // the prior spans the whole interval

        double total = w.Sum();
        _mu = mu;
        _sigma = sigma;
        _weight = w.Select(x => x / total).ToArray();
        _logMass = new double[n + 1];
        for (int i = 0; i <= n; i++)
            _logMass[i] = Math.Log(Math.Max(1e-300, NormalCdf((1 - mu[i]) / sigma[i]) - NormalCdf((0 - mu[i]) / sigma[i])));
    }

    /// <summary>A draw: a component chosen by weight, then its Gaussian truncated to [0, 1] (by rejection; its mass there is ≥ 1/3).</summary>
    public double Sample(Random rng)
    {
        int k = PickComponent(rng);
        for (int tries = 0; tries < 64; tries++)
        {
            double x = _mu[k] + _sigma[k] * TrialRandom.Gaussian(rng);
            if (x >= 0 && x <= 1) return x;
        }
        return _mu[k];
    }

    /// <summary>The log density at <paramref name="x"/>.</summary>
    public double LogDensity(double x)
    {
        // log-sum-exp over the components, for kernels far from x.
        double max = double.NegativeInfinity;
        var terms = new double[_mu.Length];
        for (int i = 0; i < _mu.Length; i++)
        {
            double z = (x - _mu[i]) / _sigma[i];
            terms[i] = Math.Log(_weight[i]) - 0.5 * z * z - Math.Log(_sigma[i] * Math.Sqrt(2 * Math.PI)) - _logMass[i];
            if (terms[i] > max) max = terms[i];
        }
        double sum = 0;
        foreach (double t in terms) sum += Math.Exp(t - max);
        return max + Math.Log(sum);
    }

    private int PickComponent(Random rng)
    {
        double r = rng.NextDouble(), acc = 0;
        for (int i = 0; i < _weight.Length; i++)
        {
            acc += _weight[i];
            if (r < acc) return i;
        }
        return _weight.Length - 1;
    }

    /// <summary>Φ(z), through the complementary error function.</summary>
    internal static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>erfc by the Chebyshev fit of Numerical Recipes §6.2 (fractional error below 1.2e-7 everywhere).</summary>
    private static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double ans = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2.0 - ans;
    }
}
