using System.Diagnostics;
using System.Text.Json.Nodes;
using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// A search killed with SIGKILL (no chance to clean up) and started again with the same command resumes its SQLite
/// study: the study ends with exactly the trials asked for, trials finished before the kill are kept as they were, and
/// the trial the dead process was running is run again by the new one.
/// </summary>
[Collection(SearchProcessesCollection.Name)]
public sealed class SearchKillAndResumeTests(SearchWorld world)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(3);

    [Fact]
    public void KillNineDuringATrial_ThenTheSameCommand_EndsWithExactlyNTrials_KeepsFinishedOnes_AndRerunsTheInterruptedOne()
    {
        const int n = 12;
        string outDir = world.NewFolder("kill-trial");
        string url = StudyReader.Sqlite(outDir);
        string[] args = world.SearchArgs(n, outDir);

        // Kill while the store shows the process running a trial, after it has finished a few; a kill that lands just
        // after the trial ended (no running trial left behind) is tried again on the resumed run.
        var snapshots = new List<IReadOnlyList<TrialRecord>>();
        TrialRecord? interrupted = null;
        for (int attempt = 0; attempt < 3 && interrupted is null; attempt++)
        {
            using var search = SearchProcess.Start(args);
            Assert.True(search.WaitForTrialRows(2, Long), $"no trial rows before the kill:\n{search.Output}\n{search.Error}");
            Assert.True(KillWhileRunningATrial(search, url), $"never saw the search running a trial:\n{search.Output}");
            var snapshot = StudyReader.Trials(url);
            snapshots.Add(snapshot);
            Assert.True(snapshot.Count(t => t.IsComplete) < n, "the search finished before it could be killed; give it more trials");
            Assert.All(snapshot.Where(t => !t.IsComplete), t => Assert.Equal(TrialStatus.Running, t.Status));
            interrupted = snapshot.SingleOrDefault(t => t.Status == TrialStatus.Running);
            if (interrupted is not null) Assert.Equal(search.Pid, StudyReader.Pid(interrupted.Worker));
        }
        Assert.True(interrupted is not null, "three kills all landed between trials; none left a running trial to resume");

        var (code, output, err) = SearchProcess.Run(Long, args);
        Assert.True(code == 0, output + err);
        Assert.Contains("resuming study \"search\"", output);
        Assert.Equal("", err);

        var final = StudyReader.Trials(url);
        StudyReader.AssertComplete(final, n);
        foreach (var before in snapshots.SelectMany(s => s).Where(t => t.IsComplete))
        {
            var after = final.Single(t => t.Id == before.Id);
            Assert.True(after.Worker == before.Worker && after.CompletedAt == before.CompletedAt && after.Attempts == before.Attempts && after.Metrics == before.Metrics,
                $"trial {before.Id}, complete before a kill, was run again: worker {before.Worker} → {after.Worker}, completed {before.CompletedAt:O} → {after.CompletedAt:O}, attempts {before.Attempts} → {after.Attempts}");
        }
        var rerun = final.Single(t => t.Id == interrupted!.Id);
        Assert.Equal(2, rerun.Attempts);
        Assert.NotEqual(interrupted!.Worker, rerun.Worker);
        Assert.Equal(interrupted.Parameters.Hash(), rerun.Parameters.Hash());
        // Every other trial ran once.
        Assert.All(final.Where(t => t.Id != interrupted.Id), t => Assert.Equal(1, t.Attempts));

        AssertResults(outDir, n);
    }

    [Fact]
    public void KillNineDuringTheSensitivityPass_ThenTheSameCommand_ResumesTheStudyAndRunsEveryTrial()
    {
        const int n = 4;
        string outDir = world.NewFolder("kill-sensitivity");
        string url = StudyReader.Sqlite(outDir);
        string[] args = world.SearchArgs(n, outDir);
        using (var search = SearchProcess.Start(args))
        {
            Assert.True(search.WaitFor(lines => lines.Any(l => l.StartsWith("layer sensitivity: ") && !l.EndsWith("(0%)")), Long),
                $"no sensitivity progress:\n{search.Output}\n{search.Error}");
            search.Kill();
            Assert.Equal(0, search.TrialRows);
        }
        Assert.NotNull(StudyReader.Study(url));
        Assert.Empty(StudyReader.Trials(url));

        var (code, output, err) = SearchProcess.Run(Long, args);
        Assert.True(code == 0, output + err);
        Assert.Contains("resuming study \"search\" in " + url + ": 0 of 4 trials complete", output);
        Assert.Contains("layer sensitivity: 108/108 (100%)", output);
        var final = StudyReader.Trials(url);
        StudyReader.AssertComplete(final, n);
        Assert.All(final, t => Assert.Equal(1, t.Attempts));
        AssertResults(outDir, n);
    }

    /// <summary>Polls the study until <paramref name="search"/> runs a trial, and kills it then; false when it never did.</summary>
    internal static bool KillWhileRunningATrial(SearchProcess search, string url, string study = "search")
    {
        using var store = StudyStores.Open(url, "test");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Long && !search.HasExited)
        {
            if (store.Trials(study).Any(t => t.Status == TrialStatus.Running && StudyReader.Pid(t.Worker) == search.Pid))
            {
                search.Kill();
                return true;
            }
            Thread.Sleep(5);
        }
        return false;
    }

    internal static void AssertResults(string outDir, int n)
    {
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var trials = results["trials"]!.AsArray();
        Assert.Equal(Enumerable.Range(0, n), trials.Select(t => (int)t!["id"]!));
        Assert.All(trials, t => Assert.Contains((string)t!["status"]!, new[] { "finished", "pruned", "failed" }));
        Assert.Equal("trials", (string?)results["stopped_by"]);
    }
}
