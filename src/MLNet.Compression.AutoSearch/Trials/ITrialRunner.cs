using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.AutoSearch.Trials;

/// <summary>Runs one trial: compresses and measures a plan (<see cref="CompressionTrialRunner"/>), or anything a test or plug-in needs.</summary>
public interface ITrialRunner
{
    TrialOutcome Run(TrialContext context, CancellationToken cancellation);
}

/// <summary>The trial to run and how it talks to the search while it runs.</summary>
public sealed class TrialContext
{
    public required int TrialId { get; init; }
    public required Parameters Parameters { get; init; }

    /// <summary>
    /// Called when a rung is measured: stores the rung and answers whether the trial goes on to the next rung (ASHA).
    /// False also when the trial was given to another worker.
    /// </summary>
    public required Func<TrialMetrics, bool> ReportRung { get; init; }
}

/// <summary>How a trial ended: finished or pruned with its last metrics, or failed with an error.</summary>
public sealed record TrialOutcome(TrialStatus Status, TrialMetrics? Metrics, string? Error = null);
