using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// A trial held by a worker on another machine (whose process this host cannot check) goes to another worker only
/// when its heartbeat has been silent for the heartbeat timeout, and the study still ends with every trial once.
/// </summary>
[Collection(SearchProcessesCollection.Name)]
public sealed class HeartbeatExpiryTests(SearchWorld world)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [SkippableTheory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void TrialOfASilentWorkerOnAnotherHost_IsRunAgainOnlyAfterTheHeartbeatTimeout(string kind)
    {
        const int n = 4;
        string study = PostgresServer.NewStudy("cli-heartbeat");
        string url = kind == "sqlite" ? StudyReader.Sqlite(world.NewFolder("heartbeat")) : PostgresServer.Url();
        var experiment = new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(world.Model)
            .SetData(new SearchDataOptions { LamaDir = Path.Combine(world.World, "lama"), CrowsFile = Path.Combine(world.World, "crows_pairs.csv") })
            .SetObjective(new SearchObjective { SizeBudget = SizeBudget.Parse("5bits", "test"), MaxBiasShift = 5 })
            .SetStorage(url).SetStudy(study).SetMaxTrials(n)
            .SetFidelity(FidelitySchedule.Full).SetSensitivityStart(false)
            .SetHeartbeatTimeout(Timeout);
        using var prepared = experiment.Prepare();

        // A worker of another machine claims trial 0 and then falls silent (no heartbeat, no completion).
        const string ghost = "another-host.example/4242/0badc0de";
        Assert.False(WorkerId.IsDeadOnThisHost(ghost));
        var claimed = prepared.Store.Claim(study, ghost, n, Timeout, (id, _) => prepared.Space.Canonical(prepared.Space.Space.Sample(new Random(id + 11))));
        Assert.NotNull(claimed);
        Assert.Equal((0, TrialStatus.Running, 1), (claimed.Id, claimed.Status, claimed.Attempts));
        var ghostHeartbeat = prepared.Store.Trials(study).Single().Heartbeat!.Value;

        var result = experiment.Run(prepared);

        Assert.Equal("trials", result.StoppedBy);
        Assert.Equal(n, result.TrialsRunHere);
        var trials = StudyReader.Trials(url, study);
        StudyReader.AssertComplete(trials, n);
        var rerun = trials.Single(t => t.Id == 0);
        Assert.Equal(2, rerun.Attempts);
        Assert.Equal(Environment.ProcessId, StudyReader.Pid(rerun.Worker));
        Assert.Equal(claimed.Parameters.Hash(), rerun.Parameters.Hash());
        // Taken back only once the ghost's heartbeat was older than the timeout (store clocks: the same server or file).
        Assert.True(rerun.StartedAt!.Value - ghostHeartbeat >= Timeout - TimeSpan.FromMilliseconds(50),
            $"trial 0 was taken from the silent worker {(rerun.StartedAt.Value - ghostHeartbeat).TotalSeconds:0.00} s after its last heartbeat (timeout {Timeout.TotalSeconds} s)");
    }
}
