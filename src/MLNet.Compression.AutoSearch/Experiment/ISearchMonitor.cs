using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.AutoSearch.Experiment;

/// <summary>What a running search tells its watcher, as Microsoft.ML.AutoML's IMonitor does; every method is optional.</summary>
public interface ISearchMonitor
{
    /// <summary>A step before the trials (loading, baseline, sensitivity) with its progress.</summary>
    void ReportProgress(string step, int done, int total) { }
    /// <summary>A trial was claimed by this worker.</summary>
    void ReportRunningTrial(TrialRecord trial) { }
    /// <summary>A trial of this worker finished or was pruned.</summary>
    void ReportCompletedTrial(TrialRecord trial) { }
    /// <summary>A trial of this worker failed; the search goes on.</summary>
    void ReportFailedTrial(TrialRecord trial, string error) { }
    /// <summary>The best trial changed.</summary>
    void ReportBestTrial(TrialRecord trial) { }
    /// <summary>A line worth showing (resumed study, waiting for other workers, time budget reached).</summary>
    void ReportMessage(string message) { }
}
