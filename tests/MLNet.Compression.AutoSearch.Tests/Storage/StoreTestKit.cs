using System.Collections.Concurrent;
using System.Diagnostics;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.AutoSearch.Tests.Storage;

/// <summary>What the SQLite and PostgreSQL tests share: studies, proposals, a dead worker's id and a pool of claiming workers.</summary>
internal static class StoreTestKit
{
    public static StudyDefinition Definition(string name, string space = "space-1", string model = "model-1") =>
        new(name, space, model, $$"""{"name":"{{name}}"}""");

    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Trial i gets x = i, so proposals never repeat.</summary>
    public static Parameters ById(int id, IReadOnlyList<TrialRecord> _) => new([new("x", id)]);

    /// <summary>A worker id on this host whose process has exited: the pid of a finished `true`.</summary>
    public static string DeadWorker()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return $"{Environment.MachineName}/{process.Id}/deadbeef";
    }

    /// <summary>
    /// <paramref name="workers"/> threads, each with its own store from <paramref name="open"/>, claim and complete until
    /// Claim returns null. Returns the ids of every successful Complete and of every Claim.
    /// </summary>
    public static (List<int> Completed, List<int> Claimed) ClaimConcurrently(Func<IStudyStore> open, string study, int workers, int maxTrials)
    {
        var completed = new ConcurrentBag<int>();
        var claimed = new ConcurrentBag<int>();
        var errors = new ConcurrentBag<Exception>();
        // Every store is opened before any thread starts, so a failing open cannot leave the others waiting at the barrier.
        var stores = Enumerable.Range(0, workers).Select(_ => open()).ToList();
        using var start = new Barrier(workers);
        var threads = stores.Select(store => new Thread(() =>
        {
            try
            {
                string worker = WorkerId.New();
                start.SignalAndWait();
                while (store.Claim(study, worker, maxTrials, TimeSpan.FromMinutes(5), ById) is { } trial)
                {
                    claimed.Add(trial.Id);
                    if (store.Complete(study, trial.Id, worker, TrialStatus.Finished, $$"""{"y":{{trial.Id}}}""", null, 0.01))
                        completed.Add(trial.Id);
                }
            }
            catch (Exception e) { errors.Add(e); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        stores.ForEach(s => s.Dispose());
        if (!errors.IsEmpty) throw new AggregateException(errors);
        return (completed.OrderBy(i => i).ToList(), claimed.OrderBy(i => i).ToList());
    }
}
