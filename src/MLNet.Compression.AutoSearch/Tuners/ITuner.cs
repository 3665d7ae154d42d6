using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>
/// Proposes the parameters of the next trial and learns from finished ones, as Microsoft.ML.AutoML's ITuner does.
/// A tuner must be reconstructible: a fresh tuner with the same space and options, given the same <see cref="Update"/>
/// calls in trial-id order, proposes the same point for the same <see cref="TrialSettings"/> (its random choices derive
/// from the seed, the trial id and the attempt only). That is how a resumed search and several workers sharing one study
/// agree on the tuner's state: they replay the stored trials. Propose may be called for several trial ids before their
/// results arrive (parallel workers); different ids then give different points.
/// </summary>
public interface ITuner
{
    /// <summary>The parameters for trial <see cref="TrialSettings.TrialId"/>.</summary>
    Parameters Propose(TrialSettings settings);

    /// <summary>Records a finished (or failed) trial.</summary>
    void Update(TrialResult result);
}

/// <summary>What a tuner knows of the trial it proposes for.</summary>
/// <param name="TrialId">0-based id of the trial in its study</param>
/// <param name="Attempt">0 first; raised by the caller when the proposal duplicated an earlier trial's parameters, so the tuner proposes another</param>
public sealed record TrialSettings(int TrialId, int Attempt = 0);

/// <summary>A finished trial as tuners see it. Every number is "lower is better".</summary>
public sealed record TrialResult
{
    public required int TrialId { get; init; }
    public required Parameters Parameters { get; init; }
    /// <summary>The scalar loss single-objective tuners minimise; an infeasible trial has a finite penalty loss above every feasible one.</summary>
    public required double Loss { get; init; }
    /// <summary>The objectives a multi-objective tuner minimises (e.g. size, knowledge loss, bias shift).</summary>
    public IReadOnlyList<double> Objectives { get; init; } = [];
    /// <summary>How far the trial breaks the hard constraints, 0 when it keeps them all (Deb's constrained domination uses it).</summary>
    public double ConstraintViolation { get; init; }
    /// <summary>Seconds the trial took (CFO uses real cost).</summary>
    public double CostSeconds { get; init; }
    /// <summary>False for a failed trial (its loss is then a penalty).</summary>
    public bool Succeeded { get; init; } = true;
}

/// <summary>Options every tuner takes.</summary>
public sealed record TunerOptions
{
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Points proposed first, in order, for trial ids 0, 1, … (the sensitivity-guided allocation); tuners also start their own search from the best of them.</summary>
    public IReadOnlyList<Parameters> Starts { get; init; } = [];
}
