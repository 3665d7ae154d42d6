using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kégl 2011, "Algorithms for Hyper-Parameter
/// Optimization"; Optuna's default sampler). After <see cref="StartupTrials"/> finished trials (the starts count toward
/// them; until then proposals are uniform), the finished trials are split at γ(n) = min(⌈0.1·n⌉, 25) into the best
/// ("below") and the rest ("above"; failed and infeasible trials are always above). Per dimension a density l(x) is
/// fitted to the below points and g(x) to the above ones (<see cref="ParzenEstimator"/> for ranges,
/// <see cref="CategoricalEstimator"/> for choices); <see cref="Candidates"/> points are drawn from l and the one with the
/// largest Σ_dims log l(x)/g(x) — the expected-improvement maximiser of the paper — is proposed. Observations are
/// weighted as Optuna does: equal for the newest 25, a linear ramp down for older ones.
/// </summary>
public sealed class TpeTuner : UnitCubeTuner
{
    private readonly List<(double[] Unit, double Loss, bool Bad, int TrialId)> _trials = [];

    public TpeTuner(SearchSpace space, TunerOptions options, int startupTrials = 10, int candidates = 24) : base(space, options)
    {
        if (startupTrials < 1) throw new ArgumentException($"tpe: startupTrials {startupTrials} must be ≥ 1.");
        if (candidates < 1) throw new ArgumentException($"tpe: candidates {candidates} must be ≥ 1.");
        StartupTrials = startupTrials;
        Candidates = candidates;
    }

    /// <summary>Finished trials needed before the model is used (Optuna's n_startup_trials).</summary>
    public int StartupTrials { get; }

    /// <summary>Candidates drawn from l(x) per proposal (Optuna's n_ei_candidates).</summary>
    public int Candidates { get; }

    /// <summary>Optuna's default γ: the number of "below" trials among <paramref name="n"/>.</summary>
    public static int Gamma(int n) => Math.Min((int)Math.Ceiling(0.1 * n), 25);

    protected override void Observe(TrialResult result, double[] unit)
    {
        bool bad = !result.Succeeded || result.ConstraintViolation > 0 || !double.IsFinite(result.Loss);
        _trials.Add((unit, result.Loss, bad, result.TrialId));
    }

    protected override double[] Suggest(int trialId, int attempt, int draw, Random rng)
    {
        if (_trials.Count < StartupTrials) return UniformPoint(rng);

        // The split: good trials by loss (ties by id, for determinism), the best γ(n) of them below.
        var good = _trials.Where(t => !t.Bad).OrderBy(t => t.Loss).ThenBy(t => t.TrialId).ToList();
        int nBelow = Math.Min(Gamma(_trials.Count), good.Count);
        var belowIds = new HashSet<int>(good.Take(nBelow).Select(t => t.TrialId));
        var below = _trials.Where(t => belowIds.Contains(t.TrialId)).OrderBy(t => t.TrialId).ToList();
        var above = _trials.Where(t => !belowIds.Contains(t.TrialId)).OrderBy(t => t.TrialId).ToList();
        var wBelow = RecencyWeights(below.Count);
        var wAbove = RecencyWeights(above.Count);

        var dims = FreeDimensions;
        var samplers = new Func<Random, double>[dims.Count];
        var scores = new Func<double, double>[dims.Count];
        for (int j = 0; j < dims.Count; j++)
        {
            int dim = dims[j];
            if (Space.Dimensions[dim] is Choice choice)
            {
                int k = choice.Options.Count;
                var l = new CategoricalEstimator(k, below.Select(t => Cell(t.Unit[dim], k)).ToList(), wBelow);
                var g = new CategoricalEstimator(k, above.Select(t => Cell(t.Unit[dim], k)).ToList(), wAbove);
                samplers[j] = r => (l.Sample(r) + 0.5) / k;
                scores[j] = u => l.LogProbability(Cell(u, k)) - g.LogProbability(Cell(u, k));
            }
            else
            {
                var l = new ParzenEstimator(below.Select(t => t.Unit[dim]).ToList(), wBelow);
                var g = new ParzenEstimator(above.Select(t => t.Unit[dim]).ToList(), wAbove);
                samplers[j] = l.Sample;
                scores[j] = u => l.LogDensity(u) - g.LogDensity(u);
            }
        }

        double[]? best = null;
        double bestScore = double.NegativeInfinity;
        for (int c = 0; c < Candidates; c++)
        {
            var x = new double[Space.Count];
            Array.Fill(x, 0.5);
            double score = 0;
            for (int j = 0; j < dims.Count; j++)
            {
                x[dims[j]] = samplers[j](rng);
                score += scores[j](x[dims[j]]);
            }
            if (best is null || score > bestScore) { best = x; bestScore = score; }
        }
        return best!;
    }

    /// <summary>Optuna's default_weights: 1 for the newest 25 observations, a linear ramp from 1/n up to 1 for older ones.</summary>
    internal static double[] RecencyWeights(int n)
    {
        var w = new double[n];
        Array.Fill(w, 1.0);
        int ramp = n - 25;
        for (int i = 0; i < ramp; i++) w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
        return w;
    }

    private static int Cell(double u, int options) => Math.Min(options - 1, (int)Math.Floor(Math.Clamp(u, 0, 1) * options));
}
