using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Sensitivity;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.AutoSearch.Experiment;

/// <summary>What a search found: every trial, the best one, the Pareto front, and the best plan against dense on the report split.</summary>
public sealed record ExperimentResult
{
    public required string Study { get; init; }
    public required string Storage { get; init; }
    public required string Tuner { get; init; }
    public required IReadOnlyList<TrialRecord> Trials { get; init; }
    /// <summary>The feasible trial with the least loss measured on the whole search split; null when no trial kept the bounds.</summary>
    public TrialRecord? Best { get; init; }
    /// <summary>Feasible, fully measured trials that no other beats on size, knowledge drop and bias shift together.</summary>
    public IReadOnlyList<TrialRecord> ParetoFront { get; init; } = [];
    public CompressionPlan? BestPlan { get; init; }
    public CompressionSpace? Space { get; init; }
    /// <summary>Compresses plans of this search the way its trials did (to save the best model, or its recipe).</summary>
    public CompressionTrialRunner? Runner { get; init; }
    public SensitivityTable? Sensitivity { get; init; }
    /// <summary>Dense first, then the best plan, then any uniform plans compared, on the report split.</summary>
    public IReadOnlyList<ReportSplitScores> Report { get; init; } = [];
    /// <summary>The bound on the searched layers' bytes (long.MaxValue without a budget) and their dense bytes.</summary>
    public long SearchedLimit { get; init; }
    public long DenseSearchedBytes { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>Trials this process ran (the rest were run before a resume or by other workers).</summary>
    public int TrialsRunHere { get; init; }
    /// <summary>Why the search stopped: "trials", "time", "cancelled", "exhausted".</summary>
    public string StoppedBy { get; init; } = "trials";

    /// <summary>The metrics of a trial (its last rung), or null for a failed or unfinished one.</summary>
    public static TrialMetrics? MetricsOf(TrialRecord t) => t.Metrics is { } m ? TrialMetrics.FromJson(m) : null;
}
