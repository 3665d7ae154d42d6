using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;

namespace MLNet.Compression.Cli.Tests;

/// <summary>`search-status` on a SQLite store written here: the study list, one study's trials and best, and its one-line errors.</summary>
public sealed class SearchStatusCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cli-status-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _db;

    public SearchStatusCommandTests()
    {
        Directory.CreateDirectory(_root);
        _db = Path.Combine(_root, "study.db");
        using var store = new SqliteStudyStore(_db);
        store.OpenStudy(new StudyDefinition("alpha", "0123456789abcdef0123", "fedcba9876543210", """{"model":"/models/tiny-bert"}"""));
        store.OpenStudy(new StudyDefinition("beta", "1111", "2222", "{}"));
        const string worker = "host/1/abc";
        // alpha: 0 finished in bounds, 1 finished out of bounds with less loss, 2 pruned, 3 failed.
        var outcomes = new (TrialStatus Status, TrialMetrics? Metrics, string? Error)[]
        {
            (TrialStatus.Finished, Metrics(3.1, 0.012, 1.5, 0.0121, 0, "4b×10 3b×2 (rtn)"), null),
            (TrialStatus.Finished, Metrics(2.2, 0.002, 9.0, 0.0021, 4, "2b×12 (gptq)"), null),
            (TrialStatus.Pruned, Metrics(2.9, 0.3, 2.0, 0.3, 0, "3b×12 (rtn)") with { Rung = 0, Fraction = 0.11 }, null),
            (TrialStatus.Failed, null, "gptq: Hessian not positive definite"),
        };
        foreach (var (status, metrics, error) in outcomes)
        {
            var t = store.Claim("alpha", worker, outcomes.Length, TimeSpan.FromMinutes(5), (id, _) => new Parameters([new("x", (double)id)]))!;
            Assert.True(store.Complete("alpha", t.Id, worker, status, metrics?.ToJson(), error, 1.25));
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static TrialMetrics Metrics(double bits, double drop, double shift, double loss, double violation, string plan) => new()
    {
        Rung = 2, Fraction = 1, Evaluated = true, BitsPerWeight = bits, KnowledgeDrop = drop, BiasShift = shift, Loss = violation > 0 ? 10 + violation : loss,
        Violation = violation, Plan = plan,
    };

    [Fact]
    public void WithoutStudy_ListsEveryStudyWithItsTrialCounts()
    {
        var (code, stdout, stderr) = CliProcess.Run("search-status", "--storage", "sqlite:" + _db);
        Assert.True(code == 0, stderr);
        Assert.Contains("alpha", stdout);
        Assert.Contains("beta", stdout);
        Assert.Contains("/models/tiny-bert", stdout);
        Assert.Matches(@"alpha\s.*│\s+4 │\s+2 │\s+1 │\s+1 │", stdout); // 4 trials: 2 finished, 1 pruned, 1 failed
        Assert.Contains("#0 loss 0.0121", stdout);
    }

    [Fact]
    public void WithStudy_ShowsTheHeaderEveryTrialAndTheBestFeasible()
    {
        var (code, stdout, stderr) = CliProcess.Run("search-status", "--storage", _db, "--study", "alpha");
        Assert.True(code == 0, stderr);
        Assert.Contains("0123456789ab", stdout);
        Assert.DoesNotContain("0123456789abcdef", stdout);
        Assert.Contains("4: 2 finished, 0 running, 0 queued, 1 failed, 1 pruned", stdout);
        Assert.Contains("4b×10 3b×2 (rtn)", stdout);
        Assert.Contains("error: gptq: Hessian not positive definite", stdout);
        Assert.Contains("14.0000 (out of bounds)", stdout);
        // Trial 1 has less loss but broke a bound: the best feasible is trial 0.
        Assert.Contains("best feasible: trial #0  4b×10 3b×2 (rtn)  3.10 bits/weight, knowledge drop +0.012, bias shift 1.5, loss 0.0121", stdout);
    }

    [Fact]
    public void UnknownStudy_IsOneErrorLineNamingTheKnownStudies()
    {
        var (code, stdout, stderr) = CliProcess.Run("search-status", "--storage", _db, "--study", "gamma");
        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --study: no study \"gamma\"", line);
        Assert.Contains("alpha (4 trials), beta (0 trials)", line);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void MissingSqliteFile_IsAnError_AndIsNotCreated()
    {
        string missing = Path.Combine(_root, "nowhere", "study.db");
        var (code, _, stderr) = CliProcess.Run("search-status", "--storage", "sqlite:" + missing);
        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(missing, line);
        Assert.StartsWith("error: --storage:", line);
        Assert.False(File.Exists(missing));
        Assert.False(Directory.Exists(Path.GetDirectoryName(missing)));
    }

    [Fact]
    public void BadUrl_IsAUsageError()
    {
        var (code, _, stderr) = CliProcess.Run("search-status", "--storage", "ftp://x/y");
        Assert.Equal(1, code);
        Assert.StartsWith("error: --storage: 'ftp://x/y' is not a storage URL", stderr);
    }
}
