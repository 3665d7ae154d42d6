namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// What both stores check the same way around <see cref="IStudyStore.Claim"/>: its arguments, which running trials
/// belong to dead workers, and the new trial a tuner proposes.
/// </summary>
internal static class ClaimRules
{
    public static void CheckArguments(string study, string worker, int maxTrials, TimeSpan heartbeatTimeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(study);
        ArgumentException.ThrowIfNullOrEmpty(worker);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTrials);
        if (heartbeatTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(heartbeatTimeout), heartbeatTimeout, "the heartbeat timeout must be positive.");
    }

    /// <summary>
    /// The workers among <paramref name="runningWorkers"/> whose process is gone on this host; their trials are taken
    /// back at once instead of after the heartbeat timeout.
    /// </summary>
    public static string[] DeadOnThisHost(IEnumerable<string> runningWorkers) =>
        runningWorkers.Distinct(StringComparer.Ordinal).Where(WorkerId.IsDeadOnThisHost).ToArray();

    public static InvalidOperationException UnknownStudy(string store, string study) =>
        new($"{store}: there is no study '{study}'; open it (OpenStudy) before claiming trials.");

    /// <summary>
    /// The error for a proposal whose parameters the study already holds: the tuner broke its contract, and running the
    /// point again would waste a trial and count it twice.
    /// </summary>
    public static InvalidOperationException DuplicateProposal(string study, int newId, Space.Parameters parameters, int existingId) =>
        new($"study '{study}': the tuner proposed trial {newId} with the parameters of trial {existingId} ({parameters}); a tuner must not propose a point twice.");
}
