using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// Cost-Frugal Optimization (Wu, Wang, Huang 2021, "Frugal Optimization for Cost-related Hyperparameters", AAAI), the
/// randomized direct search FLOW² that FLAML and Microsoft.ML.AutoML use: from an incumbent x with step δ it tries
/// x + δu for a random unit direction u, then x − δu; it moves to the first point with a lower loss; after a run of
/// non-improving directions it shrinks δ, and when δ falls below a floor it restarts from a random point.
/// The incumbent starts at the best of <see cref="TunerOptions.Starts"/> (the low-cost, sensitivity-guided points), or
/// at a random point evaluated first when there are none.
/// <para>
/// The state (incumbent, its loss, δ, the run of failures, an epoch counter) changes in <see cref="UnitCubeTuner.Update"/>
/// only. A proposal for trial t is x ± δ·u_k where k and the sign come from t's position after the trial that began
/// the current epoch, and u_k from (seed, epoch, k): sequential trials therefore follow FLOW² exactly (+u, then −u if
/// +u did not improve), and parallel proposals at one state take distinct directions.
/// </para>
/// </summary>
public sealed class CfoTuner : UnitCubeTuner
{
    private const long DirectionStream = 2;
    private const long RestartStream = 3;

    /// <summary>FLOW²'s initial step is 0.1·√d in the unit cube (the step bound is √d, the cube's diagonal).</summary>
    private const double InitialStepPerRootD = 0.1;

    private readonly double _initialStep;
    private readonly double _stepFloor;
    private readonly int _failuresBeforeShrink;

    private double[] _incumbent;
    private double _incumbentLoss = double.PositiveInfinity;
    private double _step;
    private int _epoch;
    private int _epochStart;      // first trial id proposed at the current epoch (results of earlier ids are stale)
    private int _runStart;        // first trial id of the current run (initial or after a restart)
    private bool _evaluateIncumbent; // the run's incumbent is a fresh random point whose loss is not known yet
    private int _failures;
    private int _restarts;

    /// <param name="reduction">factor applied to δ after a run of failures (0 &lt; reduction &lt; 1)</param>
    /// <param name="maxDirections">cap on the run length 2^(d−1) of non-improving directions before δ shrinks; the
    /// uncapped run is far longer than a compression search's budget once d passes 10; default max(4, d)</param>
    public CfoTuner(SearchSpace space, TunerOptions options, double reduction = 0.5, int? maxDirections = null) : base(space, options)
    {
        if (!(reduction > 0 && reduction < 1)) throw new ArgumentException($"cfo: reduction {reduction} must lie in (0, 1).");
        Reduction = reduction;
        int d = Math.Max(1, FreeDimensions.Count);
        int cap = maxDirections ?? Math.Max(4, d);
        if (cap < 1) throw new ArgumentException($"cfo: maxDirections {cap} must be ≥ 1.");
        // Each direction costs up to two trials (+u and −u).
        _failuresBeforeShrink = 2 * (int)Math.Min(1L << Math.Min(d - 1, 30), cap);
        _initialStep = InitialStepPerRootD * Math.Sqrt(d);
        // Below the floor a step no longer changes a choice of a dozen options nor a range by more than ~0.1 % per axis.
        _stepFloor = 1e-3 * Math.Sqrt(d);
        _step = _initialStep;
        _epochStart = options.Starts.Count;
        if (options.Starts.Count > 0)
        {
            _incumbent = space.Encode(options.Starts[0]);
            _evaluateIncumbent = false;
        }
        else
        {
            _incumbent = UniformPoint(TrialRandom.For(options.Seed, RestartStream, 0));
            _evaluateIncumbent = true;
        }
    }

    /// <summary>Factor applied to δ after a run of failures.</summary>
    public double Reduction { get; }

    /// <summary>The current step δ in the unit cube (for tests and reports).</summary>
    public double Step => _step;

    /// <summary>The loss of the current incumbent; +∞ before the run's first result.</summary>
    public double IncumbentLoss => _incumbentLoss;

    /// <summary>How many times δ fell below its floor and the search restarted.</summary>
    public int Restarts => _restarts;

    protected override double[] Suggest(int trialId, int attempt, int draw, Random rng)
    {
        int rel = trialId - _epochStart;
        if (_evaluateIncumbent)
        {
            // A fresh run evaluates its random starting point first, then probes around it.
            if (rel == 0 && attempt == 0 && draw == 0) return (double[])_incumbent.Clone();
            rel--;
        }
        Random dirRng;
        double sign;
        double step = _step;
        if (attempt == 0 && draw == 0 && rel >= 0)
        {
            // Trials 2k and 2k+1 of the epoch share direction u_k with opposite signs: FLOW²'s "+u, then −u".
            dirRng = TrialRandom.For(Options.Seed, DirectionStream, _epoch, rel >> 1);
            sign = (rel & 1) == 0 ? 1 : -1;
        }
        else
        {
            // A retry (the point was already run) or a trial id from before the epoch: a fresh direction, a longer
            // step on retries so a move that rounds back onto a choice's incumbent option can leave it.
            dirRng = rng;
            sign = 1;
            step *= 1 + 0.5 * (attempt + draw);
        }
        var u = RandomUnitDirection(dirRng);
        var x = (double[])_incumbent.Clone();
        for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp(x[i] + sign * step * u[i], 0, 1);
        return x;
    }

    protected override void Observe(TrialResult result, double[] unit)
    {
        int id = result.TrialId;
        bool inRun = id >= _runStart;
        if (inRun && result.Loss < _incumbentLoss)
        {
            _incumbent = unit;
            _incumbentLoss = result.Loss;
            _evaluateIncumbent = false;
            _failures = 0;
            NewEpoch(id);
            return;
        }
        // Starts are not directions, and a result proposed before the current epoch says nothing about its δ.
        if (id < Options.Starts.Count || id < _epochStart) return;
        if (++_failures < _failuresBeforeShrink) return;
        _failures = 0;
        _step *= Reduction;
        NewEpoch(id);
        if (_step >= _stepFloor) return;
        // Converged locally: restart from a random point with the initial step (the study keeps the best so far).
        _restarts++;
        _step = _initialStep;
        _incumbent = UniformPoint(TrialRandom.For(Options.Seed, RestartStream, _restarts));
        _incumbentLoss = double.PositiveInfinity;
        _evaluateIncumbent = true;
        _runStart = id + 1;
    }

    private void NewEpoch(int trialId)
    {
        _epoch++;
        _epochStart = Math.Max(_epochStart, trialId + 1);
    }

    /// <summary>A uniform direction on the unit sphere of the free dimensions (normalised Gaussian); fixed dimensions get 0.</summary>
    private double[] RandomUnitDirection(Random rng)
    {
        var u = new double[Space.Count];
        double norm = 0;
        while (norm == 0)
        {
            foreach (int i in FreeDimensions) { u[i] = TrialRandom.Gaussian(rng); norm += u[i] * u[i]; }
            if (FreeDimensions.Count == 0) return u;
        }
        norm = Math.Sqrt(norm);
        foreach (int i in FreeDimensions) u[i] /= norm;
        return u;
    }
}
