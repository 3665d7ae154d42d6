using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// `search` refuses bad input with exit code 1 and one "error: …" line naming what is wrong, before any trial, and an
/// existing study it was pointed at keeps its trials exactly as they were.
/// </summary>
[Collection(SearchProcessesCollection.Name)]
public sealed class SearchBadInputTests(SearchWorld world)
{
    private const string Password = "s3cr3t-pw";

    [Theory]
    [InlineData("--size-budget: 0.5 bits/weight allows", "--size-budget", "0.5bits")]
    [InlineData("--tuner: ", "--tuner", "sgd")]
    [InlineData("--pruners: ", "--pruners", "obs")]
    [InlineData("--quantizers: ", "--quantizers", "awq")]
    [InlineData("--storage: ", "--storage", "mysql://x")]
    [InlineData("127.0.0.1:1", "--storage", "postgres://u:" + Password + "@127.0.0.1:1/db")]
    [InlineData("search space (stored ", "--bits", "4,2")]
    [InlineData("--resume: ", "--resume", "--study", "nosuch")]
    public void BadOption_IsOneErrorLine_AndTheExistingStudyIsUntouched(string expected, params string[] options)
    {
        string dir = world.TwoTrialStudy;
        var before = Snapshot(dir);
        var (code, output, err) = SearchProcess.Run(TimeSpan.FromMinutes(2), With(world.SearchArgs(2, dir), options));
        AssertOneErrorLine(code, output, err, expected);
        Assert.DoesNotContain(Password, output + err);
        Assert.Equal(before, Snapshot(dir));
    }

    [Fact]
    public void ResumingWithAnotherModel_IsOneErrorLineNamingTheModel_AndTheStudyIsUntouched()
    {
        string dir = world.TwoTrialStudy;
        string other = world.Train("mlm-seed2", seed: 2);
        var before = Snapshot(dir);
        string[] args = world.SearchArgs(2, dir);
        args[Array.IndexOf(args, "--model") + 1] = other;
        var (code, output, err) = SearchProcess.Run(TimeSpan.FromMinutes(2), args);
        AssertOneErrorLine(code, output, err, "study 'search' was created with another model/objective (stored ");
        Assert.DoesNotContain("search space", err);
        Assert.Equal(before, Snapshot(dir));
    }

    [Fact]
    public void Resume_OfAStudyThatDoesNotExist_IsOneErrorLine_AndCreatesNoStudy()
    {
        string dir = world.NewFolder("resume-nothing");
        var (code, output, err) = SearchProcess.Run(TimeSpan.FromMinutes(2), [.. world.SearchArgs(2, dir), "--resume"]);
        AssertOneErrorLine(code, output, err, "--resume: ");
        Assert.Contains("has no study \"search\"", err);
        if (File.Exists(Path.Combine(dir, "study.db")))
        {
            using var store = StudyStores.Open(StudyReader.Sqlite(dir), "test");
            Assert.Empty(store.Studies());
        }
    }

    /// <summary><paramref name="args"/> with <paramref name="options"/>: a value replaces the one an option already has, other options are added.</summary>
    private static string[] With(string[] args, string[] options)
    {
        var list = args.ToList();
        for (int i = 0; i < options.Length; i++)
        {
            bool hasValue = i + 1 < options.Length && !options[i + 1].StartsWith("--", StringComparison.Ordinal);
            int at = list.IndexOf(options[i]);
            if (at >= 0 && hasValue) list[at + 1] = options[i + 1];
            else { list.Add(options[i]); if (hasValue) list.Add(options[i + 1]); }
            if (hasValue) i++;
        }
        return list.ToArray();
    }

    private static void AssertOneErrorLine(int code, string output, string err, string expected)
    {
        Assert.True(code == 1, $"exit code {code}\n{output}\n{err}");
        string line = Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", output + err);
        Assert.DoesNotContain("trial ", output.Replace("trials", ""));
    }

    /// <summary>The store's studies and every trial's identity and outcome, as text to compare.</summary>
    private static string Snapshot(string dir)
    {
        using var store = StudyStores.Open(StudyReader.Sqlite(dir), "test");
        var studies = store.Studies().Select(s => $"{s.Name} {s.SpaceHash} {s.ModelHash}");
        var trials = store.Trials("search").Select(t => $"{t.Id} {t.Status} {t.Worker} {t.Attempts} {t.CompletedAt:O} {t.Parameters.Hash()} {t.Metrics}");
        return string.Join('\n', studies.Concat(trials));
    }
}
