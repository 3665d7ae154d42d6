namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// Where a study's trials live: one SQLite file by default, or a PostgreSQL database that several workers on several
/// machines share. Every method is safe to call from several processes at once; the store serialises what must be
/// serialised (creating a trial, claiming one) so that no trial id or parameter set is ever run twice.
/// The contents of <see cref="TrialRecord.Metrics"/>, <see cref="TrialRecord.Rungs"/> and blobs are JSON the store keeps
/// without reading.
/// </summary>
public interface IStudyStore : IDisposable
{
    /// <summary>How messages name the store: "sqlite:/path/study.db" or "postgres://user@host:5432/db" (no password).</summary>
    string Describe { get; }

    /// <summary>
    /// Creates the study, or opens it when it exists with the same <see cref="StudyDefinition.SpaceHash"/> and
    /// <see cref="StudyDefinition.ModelHash"/>; otherwise throws <see cref="StudyMismatchException"/> naming what differs.
    /// </summary>
    StudyInfo OpenStudy(StudyDefinition definition);

    /// <summary>The study <paramref name="name"/>, or null when the store has none by that name (nothing is created).</summary>
    StudyInfo? FindStudy(string name);

    /// <summary>Every study in the store.</summary>
    IReadOnlyList<StudyInfo> Studies();

    /// <summary>Every trial of the study, in id order.</summary>
    IReadOnlyList<TrialRecord> Trials(string study);

    /// <summary>
    /// The next trial for <paramref name="worker"/>, atomically: first a running trial whose worker is dead (its heartbeat
    /// older than <paramref name="heartbeatTimeout"/>, or its process gone on this host; see <see cref="WorkerId"/>) or a
    /// queued trial goes back to this worker; else, when fewer than <paramref name="maxTrials"/> trials exist, a new
    /// trial is created with id = count and the parameters <paramref name="propose"/> returns (called inside the lock with
    /// the new id and every trial so far; it must not return a parameter set already in the study); else null.
    /// The claimed trial is "running", owned by the worker, with a fresh heartbeat and <see cref="TrialRecord.Attempts"/> + 1.
    /// </summary>
    TrialRecord? Claim(string study, string worker, int maxTrials, TimeSpan heartbeatTimeout, Func<int, IReadOnlyList<TrialRecord>, Space.Parameters> propose);

    /// <summary>Refreshes the heartbeat; false when the trial is no longer this worker's (it was given to another).</summary>
    bool Heartbeat(string study, int trialId, string worker);

    /// <summary>Stores intermediate (per-fidelity) results; false when the trial is no longer this worker's.</summary>
    bool ReportRungs(string study, int trialId, string worker, string rungsJson);

    /// <summary>
    /// Ends the trial with <paramref name="status"/> (finished, pruned or failed), its metrics JSON, error text and duration;
    /// false (and nothing written) when the trial is no longer this worker's.
    /// </summary>
    bool Complete(string study, int trialId, string worker, TrialStatus status, string? metricsJson, string? error, double durationSeconds);

    /// <summary>
    /// Gives a running trial back to the queue (a worker stopped by its time budget or by the user before the trial
    /// ended), so the next claim reruns it at once instead of after the heartbeat timeout; false when the trial is not
    /// this worker's.
    /// </summary>
    bool Release(string study, int trialId, string worker);

    /// <summary>A study-level JSON value (the base model's scores, layer sensitivities), or null.</summary>
    string? GetBlob(string study, string key);

    /// <summary>Stores <paramref name="json"/> under <paramref name="key"/> unless a value is already there; returns the stored value (the first writer wins, so workers agree).</summary>
    string PutBlobIfAbsent(string study, string key, string json);
}

/// <summary>What identifies a study: a resume must match both hashes.</summary>
/// <param name="Name">the study name</param>
/// <param name="SpaceHash">hash of the search space (<see cref="Space.SearchSpace.Hash"/>)</param>
/// <param name="ModelHash">hash of the model and the objective's settings</param>
/// <param name="DefinitionJson">the full definition, for search-status</param>
public sealed record StudyDefinition(string Name, string SpaceHash, string ModelHash, string DefinitionJson);

/// <summary>A stored study.</summary>
public sealed record StudyInfo(string Name, string SpaceHash, string ModelHash, string DefinitionJson, DateTimeOffset CreatedAt);

public enum TrialStatus { Queued, Running, Finished, Pruned, Failed }

/// <summary>One stored trial.</summary>
public sealed record TrialRecord
{
    public required int Id { get; init; }
    public required Space.Parameters Parameters { get; init; }
    public required TrialStatus Status { get; init; }
    public string? Worker { get; init; }
    public DateTimeOffset? Heartbeat { get; init; }
    /// <summary>How many times a worker has claimed the trial (2 or more after a dead worker's trial was rerun).</summary>
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public double? DurationSeconds { get; init; }
    public string? Metrics { get; init; }
    public string? Rungs { get; init; }
    public string? Error { get; init; }

    /// <summary>Finished, pruned or failed: counts towards the trials asked for and is never rerun.</summary>
    public bool IsComplete => Status is TrialStatus.Finished or TrialStatus.Pruned or TrialStatus.Failed;
}

/// <summary>A study resumed with another search space or model: names what differs.</summary>
public sealed class StudyMismatchException(string message) : Exception(message);

/// <summary>The store cannot be reached or opened (bad path, server down, wrong password): a one-line reason.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
