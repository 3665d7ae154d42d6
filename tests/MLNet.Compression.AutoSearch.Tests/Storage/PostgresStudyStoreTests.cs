using System.Net;
using System.Net.Sockets;
using MLNet.Compression.AutoSearch.Storage;
using static MLNet.Compression.AutoSearch.Tests.Storage.StoreTestKit;

namespace MLNet.Compression.AutoSearch.Tests.Storage;

/// <summary>The PostgreSQL store against a real server (see <see cref="PostgresTestServer"/>); each test has its own study.</summary>
public sealed class PostgresStudyStoreTests
{
    [SkippableFact]
    public void CreatesReopensAndRefusesAnotherSpace()
    {
        var url = PostgresTestServer.Url();
        string name = UniqueName("open");
        using var store = new PostgresStudyStore(url);
        Assert.Null(store.FindStudy(name));
        var created = store.OpenStudy(Definition(name));
        using var other = StudyStores.Open(url, "--storage");
        Assert.Equal(created, other.OpenStudy(Definition(name)));
        Assert.Contains(other.Studies(), s => s.Name == name);
        var e = Assert.Throws<StudyMismatchException>(() => other.OpenStudy(Definition(name, space: "space-2")));
        Assert.Contains("search space (stored space-1, this run space-2)", e.Message);
        Assert.DoesNotContain("model/objective", e.Message);
    }

    [SkippableFact]
    public void ThreeWorkersCreateExactlyMaxTrialsWithoutDuplicates()
    {
        var url = PostgresTestServer.Url();
        string name = UniqueName("three");
        using (var setup = new PostgresStudyStore(url)) setup.OpenStudy(Definition(name));

        var (completed, claimed) = ClaimConcurrently(() => new PostgresStudyStore(url), name, workers: 3, maxTrials: 30);

        Assert.Equal(Enumerable.Range(0, 30), claimed);
        Assert.Equal(Enumerable.Range(0, 30), completed);
        using var store = new PostgresStudyStore(url);
        var trials = store.Trials(name);
        Assert.Equal(Enumerable.Range(0, 30), trials.Select(t => t.Id));
        Assert.All(trials, t => Assert.Equal((TrialStatus.Finished, 1), (t.Status, t.Attempts)));
        Assert.All(trials, t => Assert.Equal($$"""{"y":{{t.Id}}}""", t.Metrics));
        Assert.Equal(30, trials.Select(t => t.Parameters.Hash()).Distinct().Count());
    }

    [SkippableFact]
    public void TrialOfAWorkerThatStoppedHeartbeatingGoesToAnotherAfterTheTimeout()
    {
        var url = PostgresTestServer.Url();
        string name = UniqueName("killed");
        var timeout = TimeSpan.FromSeconds(2);
        using var killedStore = new PostgresStudyStore(url);
        using var survivorStore = new PostgresStudyStore(url);
        killedStore.OpenStudy(Definition(name));
        string killed = WorkerId.New(), survivor = WorkerId.New();

        var first = killedStore.Claim(name, killed, 1, timeout, ById)!;
        Assert.Equal((0, 1), (first.Id, first.Attempts));
        Assert.Null(survivorStore.Claim(name, survivor, 1, timeout, ById)); // its heartbeat is still fresh

        Thread.Sleep(TimeSpan.FromSeconds(2.5));
        var again = survivorStore.Claim(name, survivor, 1, timeout, ById)!;
        Assert.Equal((first.Id, 2, survivor), (again.Id, again.Attempts, again.Worker));
        Assert.Equal(first.Parameters, again.Parameters);
        Assert.True(survivorStore.Complete(name, again.Id, survivor, TrialStatus.Finished, """{"y":1}""", null, 2.5));

        Assert.False(killedStore.Complete(name, first.Id, killed, TrialStatus.Failed, null, "late", 9));
        Assert.False(killedStore.Heartbeat(name, first.Id, killed));
        var stored = Assert.Single(survivorStore.Trials(name));
        Assert.Equal((TrialStatus.Finished, survivor, """{"y":1}""", (string?)null), (stored.Status, stored.Worker, stored.Metrics, stored.Error));
        Assert.Null(survivorStore.Claim(name, survivor, 1, timeout, ById));
    }

    [SkippableFact]
    public void TrialOfAWorkerWhoseProcessIsGoneIsReclaimedAtOnce()
    {
        var url = PostgresTestServer.Url();
        string name = UniqueName("dead");
        using var store = new PostgresStudyStore(url);
        store.OpenStudy(Definition(name));
        string dead = DeadWorker(), alive = WorkerId.New();
        var first = store.Claim(name, dead, 1, TimeSpan.FromHours(1), ById)!;
        var again = store.Claim(name, alive, 1, TimeSpan.FromHours(1), ById)!;
        Assert.Equal((first.Id, 2, alive), (again.Id, again.Attempts, again.Worker));
    }

    [SkippableFact]
    public void RepeatedProposalIsRefusedAndBlobsKeepTheFirstValue()
    {
        var url = PostgresTestServer.Url();
        string name = UniqueName("dup");
        using var store = new PostgresStudyStore(url);
        store.OpenStudy(Definition(name));
        string worker = WorkerId.New();
        store.Claim(name, worker, 5, TimeSpan.FromMinutes(1), ById);
        Assert.Throws<InvalidOperationException>(() => store.Claim(name, worker, 5, TimeSpan.FromMinutes(1), (_, all) => all[0].Parameters));
        Assert.Single(store.Trials(name));

        Assert.Null(store.GetBlob(name, "base"));
        Assert.Equal("""{"v":1}""", store.PutBlobIfAbsent(name, "base", """{"v":1}"""));
        Assert.Equal("""{"v":1}""", store.PutBlobIfAbsent(name, "base", """{"v":2}"""));
        Assert.Equal("""{"v":1}""", store.GetBlob(name, "base"));
    }

    [SkippableFact]
    public void WrongPasswordIsOneLineWithoutThePassword()
    {
        var url = PostgresTestServer.Url();
        var settings = StorageUrl.Parse(url, PostgresTestServer.Variable).Postgres!;
        string wrong = "wrong-" + Guid.NewGuid().ToString("N")[..8];
        string bad = $"postgres://{settings.Username}:{wrong}@{settings.Host}:{settings.Port}/{settings.Database}";
        var e = Assert.Throws<StoreUnavailableException>(() => StudyStores.Open(bad, "--storage"));
        Assert.StartsWith($"postgres://{settings.Username}@{settings.Host}:{settings.Port}/{settings.Database}: cannot connect (", e.Message);
        Assert.Contains("password", e.Message);
        Assert.DoesNotContain(wrong, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void UnreachableServerIsOneLineWithoutThePassword()
    {
        // A port that was free a moment ago: nothing listens there, so the connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var e = Assert.Throws<StoreUnavailableException>(() => StudyStores.Open($"postgres://mlnet:topsecret@127.0.0.1:{port}/x", "--storage"));
        Assert.StartsWith($"postgres://mlnet@127.0.0.1:{port}/x: cannot connect (", e.Message);
        Assert.DoesNotContain("topsecret", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
