using Microsoft.Data.Sqlite;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;
using static MLNet.Compression.AutoSearch.Tests.Storage.StoreTestKit;

namespace MLNet.Compression.AutoSearch.Tests.Storage;

public sealed class SqliteStudyStoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mlnet-store-tests", Guid.NewGuid().ToString("N"));

    private string DbPath => Path.Combine(_folder, "sub", "study.db");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void CreatesFileFolderAndStudyThenReopensIt()
    {
        StudyInfo created;
        using (var store = new SqliteStudyStore(DbPath))
        {
            Assert.Null(store.FindStudy("s"));
            created = store.OpenStudy(Definition("s"));
            Assert.Equal("space-1", created.SpaceHash);
            Assert.Equal(1, store.Claim("s", WorkerId.New(), 5, TimeSpan.FromMinutes(1), ById)!.Attempts);
        }
        Assert.True(File.Exists(DbPath));

        using var reopened = new SqliteStudyStore(DbPath);
        Assert.Equal("sqlite:" + DbPath, reopened.Describe);
        var again = reopened.OpenStudy(Definition("s"));
        Assert.Equal(created, again);
        Assert.Equal(created, reopened.FindStudy("s"));
        Assert.Equal(["s"], reopened.Studies().Select(s => s.Name));
        var trial = Assert.Single(reopened.Trials("s"));
        Assert.Equal(0, trial.Id);
        Assert.Equal(0.0, trial.Parameters.Number("x"));
        Assert.Equal(TrialStatus.Running, trial.Status);
    }

    [Theory]
    [InlineData("space-2", "model-1", "search space (stored space-1, this run space-2)", "model/objective")]
    [InlineData("space-1", "model-2", "model/objective (stored model-1, this run model-2)", "search space")]
    public void ReopeningWithAnotherHashNamesWhatDiffers(string space, string model, string named, string notNamed)
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        var e = Assert.Throws<StudyMismatchException>(() => store.OpenStudy(Definition("s", space, model)));
        Assert.Contains(named, e.Message);
        Assert.DoesNotContain(notNamed, e.Message);
        Assert.Contains("'s'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ClaimsQueuedTrialsBeforeCreatingAndStopsAtMaxTrials()
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        string a = WorkerId.New(), b = WorkerId.New();
        var seen = new List<(int Id, int Count)>();
        Parameters Propose(int id, IReadOnlyList<TrialRecord> all) { seen.Add((id, all.Count)); return ById(id, all); }

        Assert.Equal(0, store.Claim("s", a, 10, TimeSpan.FromMinutes(1), Propose)!.Id);
        Assert.Equal(1, store.Claim("s", a, 10, TimeSpan.FromMinutes(1), Propose)!.Id);
        Assert.Equal([(0, 0), (1, 1)], seen);

        // Nothing in the contract creates queued trials yet, so the test writes one as a later enqueue would: id = count.
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO trials(study, id, parameters, params_hash, status, attempts, created_at) " +
                                 "VALUES ('s', 2, @p, @h, 'queued', 0, '2025-01-01T00:00:00.0000000Z')";
            var queued = new Parameters([new("x", 42.0)]);
            insert.Parameters.AddWithValue("@p", queued.ToJson());
            insert.Parameters.AddWithValue("@h", queued.Hash());
            insert.ExecuteNonQuery();
        }

        var taken = store.Claim("s", b, 10, TimeSpan.FromMinutes(1), Propose)!;
        Assert.Equal(2, taken.Id);
        Assert.Equal(42.0, taken.Parameters.Number("x"));
        Assert.Equal((TrialStatus.Running, b, 1), (taken.Status, taken.Worker, taken.Attempts));
        Assert.Equal(2, seen.Count); // the queued trial was handed out without a proposal

        Assert.Equal(3, store.Claim("s", b, 4, TimeSpan.FromMinutes(1), Propose)!.Id);
        Assert.Null(store.Claim("s", b, 4, TimeSpan.FromMinutes(1), Propose)); // 4 trials exist, all running under live workers
        Assert.Equal([0, 1, 2, 3], store.Trials("s").Select(t => t.Id));
    }

    [Fact]
    public void CompleteHeartbeatAndRungsOnlyByTheOwningWorker()
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        string owner = WorkerId.New(), other = WorkerId.New();
        var trial = store.Claim("s", owner, 1, TimeSpan.FromMinutes(1), ById)!;

        Assert.False(store.Heartbeat("s", trial.Id, other));
        Assert.False(store.ReportRungs("s", trial.Id, other, "[1]"));
        Assert.False(store.Complete("s", trial.Id, other, TrialStatus.Finished, "{}", null, 1));
        Assert.Throws<ArgumentException>(() => store.Complete("s", trial.Id, owner, TrialStatus.Running, null, null, 1));

        Assert.True(store.Heartbeat("s", trial.Id, owner));
        Assert.True(store.ReportRungs("s", trial.Id, owner, """[{"fidelity":0.25}]"""));
        Assert.True(store.Complete("s", trial.Id, owner, TrialStatus.Pruned, """{"kept":0.5}""", "pruned at rung 0", 2.5));

        var done = Assert.Single(store.Trials("s"));
        Assert.Equal(TrialStatus.Pruned, done.Status);
        Assert.True(done.IsComplete);
        Assert.Equal("""{"kept":0.5}""", done.Metrics);
        Assert.Equal("""[{"fidelity":0.25}]""", done.Rungs);
        Assert.Equal("pruned at rung 0", done.Error);
        Assert.Equal(2.5, done.DurationSeconds);
        Assert.NotNull(done.CompletedAt);
        Assert.True(done.CompletedAt >= done.StartedAt);

        Assert.False(store.Complete("s", trial.Id, owner, TrialStatus.Finished, "{}", null, 1)); // once only
        Assert.False(store.Heartbeat("s", trial.Id, owner));
        Assert.Null(store.Claim("s", other, 1, TimeSpan.FromMilliseconds(1), ById)); // a complete trial is never handed out again
        Assert.Equal(TrialStatus.Pruned, Assert.Single(store.Trials("s")).Status);
    }

    [Fact]
    public void TrialOfAWorkerWhoseProcessIsGoneIsReclaimedAtOnce()
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        string dead = DeadWorker(), alive = WorkerId.New();
        Assert.True(WorkerId.IsDeadOnThisHost(dead));
        var first = store.Claim("s", dead, 1, TimeSpan.FromHours(1), ById)!;

        var again = store.Claim("s", alive, 1, TimeSpan.FromHours(1), ById)!; // heartbeat is fresh; the pid is gone
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(2, again.Attempts);
        Assert.Equal(alive, again.Worker);
        Assert.False(store.Complete("s", first.Id, dead, TrialStatus.Finished, "{}", null, 1));
        Assert.True(store.Complete("s", again.Id, alive, TrialStatus.Finished, "{}", null, 1));
    }

    [Fact]
    public void TrialWhoseHeartbeatExpiredIsReclaimedAndTheFormerOwnerLosesIt()
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        string slow = WorkerId.New(), other = WorkerId.New();
        var timeout = TimeSpan.FromSeconds(1);
        var first = store.Claim("s", slow, 1, timeout, ById)!;
        Assert.Null(store.Claim("s", other, 1, timeout, ById)); // alive: not taken

        Thread.Sleep(600);
        Assert.True(store.Heartbeat("s", first.Id, slow));
        Thread.Sleep(600);
        Assert.Null(store.Claim("s", other, 1, timeout, ById)); // 1.2 s since the claim, but 0.6 s since the heartbeat

        Thread.Sleep(1200);
        var again = store.Claim("s", other, 1, timeout, ById)!;
        Assert.Equal((first.Id, 2, other), (again.Id, again.Attempts, again.Worker));
        Assert.False(store.Heartbeat("s", first.Id, slow));
        Assert.False(store.Complete("s", first.Id, slow, TrialStatus.Finished, "{}", null, 1));
        Assert.True(store.Complete("s", first.Id, other, TrialStatus.Finished, "{}", null, 1));
    }

    [Fact]
    public void AReleasedTrialIsClaimedAgainAtOnce_OnlyByItsOwner()
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        string owner = WorkerId.New(), other = WorkerId.New();
        var timeout = TimeSpan.FromMinutes(10);
        var t = store.Claim("s", owner, 1, timeout, ById)!;
        Assert.False(store.Release("s", t.Id, other));          // not the other's to give back
        Assert.Null(store.Claim("s", other, 1, timeout, ById));  // still running, heartbeat fresh
        Assert.True(store.Release("s", t.Id, owner));
        var again = store.Claim("s", other, 1, timeout, ById)!;
        Assert.Equal((t.Id, 2, other), (again.Id, again.Attempts, again.Worker));
        Assert.False(store.Complete("s", t.Id, owner, TrialStatus.Finished, "{}", null, 1));
    }

    [Fact]
    public void RepeatedProposalIsRefusedAndNothingIsInserted()
    {
        using var store = new SqliteStudyStore(DbPath);
        store.OpenStudy(Definition("s"));
        string worker = WorkerId.New();
        store.Claim("s", worker, 5, TimeSpan.FromMinutes(1), ById);
        var e = Assert.Throws<InvalidOperationException>(() =>
            store.Claim("s", worker, 5, TimeSpan.FromMinutes(1), (_, all) => all[0].Parameters));
        Assert.Contains("trial 0", e.Message);
        Assert.Single(store.Trials("s"));
        Assert.Equal(1, store.Claim("s", worker, 5, TimeSpan.FromMinutes(1), ById)!.Id); // the failed claim left no trace
    }

    [Fact]
    public void BlobsKeepTheFirstValueWritten()
    {
        using var one = new SqliteStudyStore(DbPath);
        using var two = new SqliteStudyStore(DbPath);
        one.OpenStudy(Definition("s"));
        Assert.Null(one.GetBlob("s", "base"));
        Assert.Equal("""{"v":1}""", one.PutBlobIfAbsent("s", "base", """{"v":1}"""));
        Assert.Equal("""{"v":1}""", two.PutBlobIfAbsent("s", "base", """{"v":2}"""));
        Assert.Equal("""{"v":1}""", two.GetBlob("s", "base"));
        Assert.Equal("""{"v":3}""", two.PutBlobIfAbsent("s", "other", """{"v":3}"""));
        Assert.Null(one.GetBlob("t", "base"));
    }

    [Fact]
    public void FourWorkersOnOneFileCreateExactlyMaxTrials()
    {
        using (var setup = new SqliteStudyStore(DbPath)) setup.OpenStudy(Definition("s"));
        var (completed, claimed) = ClaimConcurrently(() => new SqliteStudyStore(DbPath), "s", workers: 4, maxTrials: 40);

        Assert.Equal(Enumerable.Range(0, 40), claimed);
        Assert.Equal(Enumerable.Range(0, 40), completed);
        using var store = new SqliteStudyStore(DbPath);
        var trials = store.Trials("s");
        Assert.Equal(Enumerable.Range(0, 40), trials.Select(t => t.Id));
        Assert.All(trials, t => Assert.Equal((TrialStatus.Finished, 1), (t.Status, t.Attempts)));
        Assert.Equal(40, trials.Select(t => t.Parameters.Hash()).Distinct().Count());
    }

    [Fact]
    public void FileThatIsNotSqliteGivesOneLineNamingIt()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "notes.db");
        File.WriteAllText(path, "these are my notes, not a database\n" + new string('x', 200));
        var e = Assert.Throws<StoreUnavailableException>(() => new SqliteStudyStore(path));
        Assert.StartsWith("sqlite:" + path + ": ", e.Message);
        Assert.Contains("not a SQLite database", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal("these are my notes, not a database\n" + new string('x', 200), File.ReadAllText(path)); // untouched
    }

    [Fact]
    public void DatabaseOfAnotherProgramIsRefused()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "other.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)";
            create.ExecuteNonQuery();
        }
        var e = Assert.Throws<StoreUnavailableException>(() => new SqliteStudyStore(path));
        Assert.StartsWith("sqlite:" + path + ": ", e.Message);
        Assert.Contains("invoices", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void OtherSchemaVersionIsRefused()
    {
        using (var store = new SqliteStudyStore(DbPath)) store.OpenStudy(Definition("s"));
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE store_meta SET value = '99' WHERE key = 'schema_version'";
            Assert.Equal(1, update.ExecuteNonQuery());
        }
        var e = Assert.Throws<StoreUnavailableException>(() => new SqliteStudyStore(DbPath));
        Assert.Contains("schema version 99; this build reads version 1", e.Message);
    }

    [Fact]
    public void StoreOverheadTimesClaimAndComplete()
    {
        using var store = new SqliteStudyStore(DbPath);
        var (claimMs, completeMs) = StoreOverhead.Measure(store, 20);
        Assert.InRange(claimMs, 0.0001, 10_000);
        Assert.InRange(completeMs, 0.0001, 10_000);
        var study = Assert.Single(store.Studies());
        var trials = store.Trials(study.Name);
        Assert.Equal(20, trials.Count);
        Assert.All(trials, t => Assert.Equal(TrialStatus.Finished, t.Status));
    }
}
