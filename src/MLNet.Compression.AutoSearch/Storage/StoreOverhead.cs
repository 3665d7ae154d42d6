using System.Diagnostics;

namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// What the store adds to each trial: the mean time of a Claim (which creates the trial) and of a Complete, measured on
/// empty trials of a fresh study so no model or tuner time is in the numbers. The benchmarks report it per store kind.
/// </summary>
internal static class StoreOverhead
{
    /// <summary>
    /// Claims and completes <paramref name="trials"/> empty trials in a new study of <paramref name="store"/> and returns
    /// the mean milliseconds of one Claim and of one Complete.
    /// </summary>
    public static (double ClaimMs, double CompleteMs) Measure(IStudyStore store, int trials)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        string study = "overhead-" + Guid.NewGuid().ToString("N")[..12];
        store.OpenStudy(new StudyDefinition(study, "overhead", "overhead", "{}"));
        string worker = WorkerId.New();
        var timeout = TimeSpan.FromMinutes(5);
        Space.Parameters Propose(int id, IReadOnlyList<TrialRecord> _) => new([new("i", id)]);

        long claimTicks = 0, completeTicks = 0;
        for (int i = 0; i < trials; i++)
        {
            long start = Stopwatch.GetTimestamp();
            var trial = store.Claim(study, worker, trials, timeout, Propose)
                ?? throw new InvalidOperationException($"{store.Describe}: study '{study}' gave no trial {i} of {trials}.");
            long claimed = Stopwatch.GetTimestamp();
            if (!store.Complete(study, trial.Id, worker, TrialStatus.Finished, "{}", null, 0))
                throw new InvalidOperationException($"{store.Describe}: trial {trial.Id} of study '{study}' could not be completed by its own worker.");
            long completed = Stopwatch.GetTimestamp();
            claimTicks += claimed - start;
            completeTicks += completed - claimed;
        }
        double ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency / trials;
        return (ms(claimTicks), ms(completeTicks));
    }
}
