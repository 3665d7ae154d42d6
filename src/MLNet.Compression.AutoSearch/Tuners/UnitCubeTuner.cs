using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// What every tuner here shares: it searches the unit cube [0, 1]^d of a <see cref="SearchSpace"/>; it proposes
/// <see cref="TunerOptions.Starts"/> first, for trial ids 0, 1, …; its proposals avoid points already finished and the
/// earlier attempts of the same trial; and its state changes in <see cref="Update"/> only, so <see cref="Propose"/> is a
/// function of that state and (seed, trial id, attempt), which makes the tuner reconstructible (see <see cref="ITuner"/>).
/// Fixed dimensions stay fixed because the space decodes them to their one value whatever the coordinate.
/// </summary>
public abstract class UnitCubeTuner : ITuner
{
    /// <summary>How many fresh draws a proposal may take to find a point not already run; then it falls back to a uniform sample.</summary>
    private const int MaxDraws = 32;

    /// <summary>Stream tag of the generator handed to <see cref="Suggest"/>.</summary>
    private const long ProposeStream = 1;

    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    protected UnitCubeTuner(SearchSpace space, TunerOptions options)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        if (space.Count == 0) throw new ArgumentException("tuner: the search space has no parameters.");
        for (int i = 0; i < options.Starts.Count; i++) space.Check(options.Starts[i], $"tuner start {i}");
        Space = space;
        Options = options;
        FreeDimensions = Enumerable.Range(0, space.Count).Where(i => !space.Dimensions[i].IsFixed).ToArray();
    }

    protected SearchSpace Space { get; }
    protected TunerOptions Options { get; }

    /// <summary>Indices of the dimensions that are not fixed; the tuners' "d".</summary>
    protected IReadOnlyList<int> FreeDimensions { get; }

    /// <summary>Number of finished trials seen by <see cref="Update"/>.</summary>
    protected int FinishedCount => _finished.Count;

    public Parameters Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.TrialId < 0 || settings.Attempt < 0)
            throw new ArgumentException($"tuner: trial id {settings.TrialId} and attempt {settings.Attempt} must be ≥ 0.");
        // Attempt a must differ from attempts 0 … a-1 of the same trial, so those are recomputed (Propose is pure).
        var earlier = new HashSet<string>(StringComparer.Ordinal);
        Parameters proposal = ProposeAttempt(settings.TrialId, 0, earlier);
        for (int a = 1; a <= settings.Attempt; a++)
        {
            earlier.Add(proposal.ToJson());
            proposal = ProposeAttempt(settings.TrialId, a, earlier);
        }
        return proposal;
    }

    public void Update(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Space.Check(result.Parameters, $"tuner: trial {result.TrialId}");
        _finished.Add(result.Parameters.ToJson());
        Observe(result, Space.Encode(result.Parameters));
    }

    /// <summary>
    /// The tuner's own method: unit coordinates for trial <paramref name="trialId"/> (one per dimension; out-of-range
    /// values are clamped). <paramref name="draw"/> &gt; 0 means the earlier draws gave points already run. Random choices
    /// use <paramref name="rng"/>, or generators of <see cref="TrialRandom"/> keyed by the same numbers.
    /// </summary>
    protected abstract double[] Suggest(int trialId, int attempt, int draw, Random rng);

    /// <summary>Learns from a finished trial; <paramref name="unit"/> is its point in the unit cube (choices at their cell centres).</summary>
    protected abstract void Observe(TrialResult result, double[] unit);

    /// <summary>A uniform point of the unit cube.</summary>
    protected double[] UniformPoint(Random rng)
    {
        var u = new double[Space.Count];
        for (int i = 0; i < u.Length; i++) u[i] = rng.NextDouble();
        return u;
    }

    private Parameters ProposeAttempt(int trialId, int attempt, HashSet<string> earlier)
    {
        if (attempt == 0 && trialId < Options.Starts.Count) return Options.Starts[trialId];
        for (int draw = 0; draw < MaxDraws; draw++)
        {
            var rng = TrialRandom.For(Options.Seed, ProposeStream, trialId, attempt, draw);
            var p = Decode(Suggest(trialId, attempt, draw, rng));
            string key = p.ToJson();
            if (!_finished.Contains(key) && !earlier.Contains(key)) return p;
        }
        // A space so small or so explored that the method keeps returning run points: a uniform sample is the last resort.
        return Decode(UniformPoint(TrialRandom.For(Options.Seed, ProposeStream, trialId, attempt, MaxDraws)));
    }

    private Parameters Decode(double[] u)
    {
        if (u.Length != Space.Count) throw new InvalidOperationException($"tuner: {u.Length} coordinates for {Space.Count} dimensions.");
        var clamped = new double[u.Length];
        for (int i = 0; i < u.Length; i++) clamped[i] = double.IsNaN(u[i]) ? 0.5 : Math.Clamp(u[i], 0, 1);
        return Space.Decode(clamped);
    }
}
