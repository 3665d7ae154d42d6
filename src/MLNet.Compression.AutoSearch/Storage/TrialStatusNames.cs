namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// The text the stores write for a <see cref="TrialStatus"/> ("queued", "running", "finished", "pruned", "failed"), so a
/// study file or table reads the same from sqlite3, psql or this library.
/// </summary>
internal static class TrialStatusNames
{
    public static string ToText(TrialStatus status) => status switch
    {
        TrialStatus.Queued => "queued",
        TrialStatus.Running => "running",
        TrialStatus.Finished => "finished",
        TrialStatus.Pruned => "pruned",
        TrialStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not a trial status"),
    };

    public static TrialStatus Parse(string text, string store) => text switch
    {
        "queued" => TrialStatus.Queued,
        "running" => TrialStatus.Running,
        "finished" => TrialStatus.Finished,
        "pruned" => TrialStatus.Pruned,
        "failed" => TrialStatus.Failed,
        _ => throw new StoreUnavailableException($"{store}: a trial has status '{text}', expected queued, running, finished, pruned or failed."),
    };

    /// <summary>Every status as an SQL list, for the CHECK constraint of trials.status.</summary>
    public const string CheckList = "'queued','running','finished','pruned','failed'";

    /// <summary>Throws unless <paramref name="status"/> ends a trial (finished, pruned or failed).</summary>
    public static string ToFinalText(TrialStatus status) =>
        status is TrialStatus.Finished or TrialStatus.Pruned or TrialStatus.Failed
            ? ToText(status)
            : throw new ArgumentException($"a trial is completed as Finished, Pruned or Failed, not {status}.", nameof(status));
}
