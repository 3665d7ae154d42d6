using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// One tiny world (<c>world --small --seed 5</c>) and one tiny trained masked LM, made once for every test of the
/// "search processes" collection, and the arguments of a search over them. Trials take a tenth of a second and the
/// sensitivity pass a few seconds, so a test can kill a search in the middle of either.
/// </summary>
public sealed class SearchWorld : IDisposable
{
    public SearchWorld()
    {
        Root = Directory.CreateTempSubdirectory("cli-search-").FullName;
        World = Path.Combine(Root, "world");
        Model = Path.Combine(Root, "mlm");
        var (code, output, err) = CliProcess.Run("world", "--small", "--seed", "5", "-o", World);
        if (code != 0) throw new InvalidOperationException("world failed: " + output + err);
        Model = Train("mlm", seed: 1);
        _twoTrialStudy = new Lazy<string>(MakeTwoTrialStudy);
    }

    public string Root { get; }
    public string World { get; }
    public string Model { get; }

    /// <summary>Trains a tiny BERT on the world into Root/<paramref name="name"/> (same architecture and file sizes for every seed).</summary>
    public string Train(string name, int seed)
    {
        string dir = Path.Combine(Root, name);
        var (code, output, err) = CliProcess.Run("train", "--world", World, "--arch", "bert", "--hidden", "32", "--layers", "2", "--heads", "2",
            "--steps", "150", "--seed", seed.ToString(), "-o", dir);
        if (code != 0) throw new InvalidOperationException("train failed: " + output + err);
        return dir;
    }

    /// <summary>A new empty folder under Root.</summary>
    public string NewFolder(string prefix) => Directory.CreateDirectory(Path.Combine(Root, prefix + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    /// <summary>`search` over the world with one full-fidelity rung, then <paramref name="extra"/>.</summary>
    public string[] SearchArgs(int trials, string output, params string[] extra) =>
    [
        "search", "--model", Model, "--lama", Path.Combine(World, "lama"), "--crows", Path.Combine(World, "crows_pairs.csv"),
        "--stereoset", Path.Combine(World, "stereoset", "intrasentence.csv"), "--calibration", Path.Combine(World, "heldout.txt"),
        "--size-budget", "5bits", "--max-bias-shift", "5", "--fidelities", "full", "--trials", trials.ToString(), "-o", output, .. extra,
    ];

    private readonly Lazy<string> _twoTrialStudy;

    /// <summary>
    /// An output folder holding a finished 2-trial study (<see cref="SearchArgs"/> with 2 trials and no extra option), made
    /// on first use; tests that expect a refusal point their search at it and check its trials stay as they were.
    /// </summary>
    public string TwoTrialStudy => _twoTrialStudy.Value;

    private string MakeTwoTrialStudy()
    {
        string dir = NewFolder("two-trials");
        var (code, output, err) = CliProcess.Run(SearchArgs(2, dir));
        if (code != 0) throw new InvalidOperationException("search failed: " + output + err);
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class SearchProcessesCollection : ICollectionFixture<SearchWorld>
{
    /// <summary>The search tests run one after another: they start processes and time kills, and share one world.</summary>
    public const string Name = "search processes";
}

/// <summary>Reads a study the way search-status would, with a store of its own.</summary>
public static class StudyReader
{
    public static IReadOnlyList<TrialRecord> Trials(string storageUrl, string study = "search")
    {
        using var store = StudyStores.Open(storageUrl, "test");
        return store.FindStudy(study) is null ? [] : store.Trials(study);
    }

    public static StudyInfo? Study(string storageUrl, string study = "search")
    {
        using var store = StudyStores.Open(storageUrl, "test");
        return store.FindStudy(study);
    }

    public static string Sqlite(string outDir) => "sqlite:" + Path.Combine(outDir, "study.db");

    /// <summary>The process id in a worker id "host/pid/nonce".</summary>
    public static int? Pid(string? worker) => worker?.Split('/') is [_, var pid, _] && int.TryParse(pid, out int p) ? p : null;

    /// <summary>The invariants every finished study must hold: <paramref name="n"/> complete trials with ids 0..n-1, no parameter set twice.</summary>
    public static void AssertComplete(IReadOnlyList<TrialRecord> trials, int n)
    {
        Assert.Equal(Enumerable.Range(0, n), trials.Select(t => t.Id).Order());
        Assert.All(trials, t => Assert.True(t.IsComplete, $"trial {t.Id} is {t.Status} (worker {t.Worker})"));
        var dup = trials.GroupBy(t => t.Parameters.Hash()).FirstOrDefault(g => g.Count() > 1);
        Assert.True(dup is null, dup is null ? "" : $"trials {string.Join(", ", dup.Select(t => t.Id))} share one parameter set");
    }
}
