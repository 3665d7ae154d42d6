using System.Text.Json.Nodes;
using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// Three `search` processes with one PostgreSQL --storage and --study share the study: together they run exactly the
/// trials asked for, each parameter set once; and when one is killed with SIGKILL in the middle of a trial, another
/// worker runs that trial again and the study still ends complete.
/// </summary>
[Collection(SearchProcessesCollection.Name)]
public sealed class SearchSharedPostgresWorkerTests(SearchWorld world)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);
    private const int N = 15;

    private SearchProcess[] StartWorkers(string url, string study) =>
        Enumerable.Range(0, 3).Select(i => SearchProcess.Start(world.SearchArgs(N, world.NewFolder($"worker{i}"),
            "--storage", url, "--study", study, "--heartbeat-timeout", "3"))).ToArray();

    [SkippableFact]
    public void ThreeWorkers_RunExactlyNTrialsTogether_EachParameterSetOnce()
    {
        string url = PostgresServer.Url(), study = PostgresServer.NewStudy("cli-three");
        var workers = StartWorkers(url, study);
        try
        {
            foreach (var w in workers) Assert.True(w.WaitForExit(Long) == 0, w.Output + w.Error);
            var trials = StudyReader.Trials(url, study);
            StudyReader.AssertComplete(trials, N);
            Assert.All(trials, t => Assert.Equal(1, t.Attempts));
            var pids = trials.Select(t => StudyReader.Pid(t.Worker)).Distinct().ToList();
            Assert.True(pids.Count >= 2, $"one worker ran every trial ({string.Join(", ", trials.Select(t => t.Worker).Distinct())}); the study was not shared");
            Assert.Subset(workers.Select(w => (int?)w.Pid).ToHashSet(), pids.ToHashSet());

            // Each worker's results.json shows the whole study, and the trials each ran add up to N.
            int runHere = 0;
            foreach (var w in workers)
            {
                string outDir = w.Args[Array.IndexOf(w.Args, "-o") + 1];
                var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
                Assert.Equal(Enumerable.Range(0, N), results["trials"]!.AsArray().Select(t => (int)t!["id"]!));
                runHere += (int)results["trials_run_here"]!;
                Assert.Equal(trials.Count(t => StudyReader.Pid(t.Worker) == w.Pid), (int)results["trials_run_here"]!);
            }
            Assert.Equal(N, runHere);
        }
        finally { foreach (var w in workers) w.Dispose(); }
    }

    [SkippableFact]
    public void OneOfThreeWorkersKilledDuringATrial_AnotherWorkerRunsItAgain_AndTheStudyEndsWithNTrials()
    {
        string url = PostgresServer.Url(), study = PostgresServer.NewStudy("cli-kill");
        var workers = StartWorkers(url, study);
        try
        {
            // Kill whichever worker the store first shows running a trial (the workers start in no fixed order, and
            // on a fast host two of them may run every trial before the third one claims any); should the kill land
            // just after that trial ended (nothing left running), a second live worker is the victim.
            SearchProcess? victim = null;
            var interrupted = new List<TrialRecord>();
            for (int kill = 0; kill < 2 && interrupted.Count == 0; kill++)
            {
                var candidate = KillFirstWorkerRunningATrial(workers.Where(w => !w.HasExited).ToList(), url, study);
                Assert.True(candidate is not null, "no worker was ever seen running a trial:\n" + string.Join("\n", workers.Select(w => w.Output + w.Error)));
                victim = candidate;
                // Its trial is either still marked as its own, or already claimed again (attempts 2) by a live worker,
                // which on this host sees at once that the process is gone.
                interrupted = StudyReader.Trials(url, study)
                    .Where(t => (t.Status == TrialStatus.Running && StudyReader.Pid(t.Worker) == candidate!.Pid) || t.Attempts >= 2).ToList();
            }
            Assert.True(interrupted.Count > 0, "both kills landed between trials; no trial was interrupted");

            var survivors = workers.Where(w => w != victim && !w.HasExited).ToList();
            Assert.NotEmpty(survivors);
            foreach (var w in survivors) Assert.True(w.WaitForExit(Long) == 0, w.Output + w.Error);

            var trials = StudyReader.Trials(url, study);
            StudyReader.AssertComplete(trials, N);
            foreach (var t in interrupted)
            {
                var after = trials.Single(x => x.Id == t.Id);
                Assert.True(after.Attempts >= 2, $"trial {t.Id} was interrupted but has {after.Attempts} attempt(s)");
                Assert.NotEqual(victim!.Pid, StudyReader.Pid(after.Worker));
                Assert.Contains(StudyReader.Pid(after.Worker), survivors.Select(w => (int?)w.Pid));
            }
            Assert.All(trials.Where(t => interrupted.All(i => i.Id != t.Id)), t => Assert.Equal(1, t.Attempts));
        }
        finally { foreach (var w in workers) w.Dispose(); }
    }

    /// <summary>Polls the study and SIGKILLs the first of <paramref name="workers"/> seen holding a running trial.</summary>
    private static SearchProcess? KillFirstWorkerRunningATrial(IReadOnlyList<SearchProcess> workers, string url, string study)
    {
        using var store = StudyStores.Open(url, "test");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < Long && workers.Any(w => !w.HasExited))
        {
            var running = store.Trials(study).Where(t => t.Status == TrialStatus.Running).Select(t => StudyReader.Pid(t.Worker)).ToHashSet();
            var victim = workers.FirstOrDefault(w => !w.HasExited && running.Contains(w.Pid));
            if (victim is not null)
            {
                victim.Kill();
                return victim;
            }
            Thread.Sleep(5);
        }
        return null;
    }
}
