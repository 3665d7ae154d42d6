using System.Text.Json;

namespace MLNet.Compression.Cli.Tests;

/// <summary>The study command over checkpoint series, and what a piped console receives.</summary>
public sealed class StudyAndConsoleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cli-study-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Out(string name) => Path.Combine(_root, name);

    [Fact]
    public void PipedOutput_HasNoAnsiEscapes_AndLayerNamesStayOnOneLine()
    {
        var (code, output, err) = CliProcess.Run("prune", "--model", CliProcess.Fixture("bert"), "--method", "magnitude", "--groups", "all", "--sparsity", "0.9", "-o", Out("p"));
        Assert.True(code == 0, err);
        Assert.DoesNotContain('\u001b', output + err);
        Assert.Contains(output.Split('\n'), l => l.Contains("bert.encoder.layer.0.attention.self.query", StringComparison.Ordinal));
    }

    [Fact]
    public void StudyGoncalves2023_OverAFolderOfCheckpoints_WritesOneResultPerCheckpointWithIntervals()
    {
        string series = Out("series");
        foreach (var step in new[] { "checkpoint-40", "checkpoint-10" })
        {
            string dir = Directory.CreateDirectory(Path.Combine(series, step)).FullName;
            foreach (var f in Directory.GetFiles(CliProcess.Fixture("gpt2_tiny"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        string lama = Directory.CreateDirectory(Out("lama/TREx")).FullName;
        File.WriteAllText(Path.Combine(lama, "P36.jsonl"), "{\"sub_label\": \"France\", \"obj_label\": \"Paris\", \"uuid\": \"a\"}\n{\"sub_label\": \"Italy\", \"obj_label\": \"Rome\", \"uuid\": \"b\"}\n");
        File.WriteAllText(Out("lama/relations.jsonl"), "{\"relation\": \"P36\", \"template\": \"The capital of [X] is [Y] .\"}\n");
        File.WriteAllText(Out("crows.csv"), ",sent_more,sent_less,stereo_antistereo,bias_type\n0,The man is a doctor.,The woman is a doctor.,stereo,gender\n1,Poor people are lazy.,Rich people are lazy.,stereo,socioeconomic\n");
        File.WriteAllLines(Out("heldout.txt"), ["Hello there.", "The capital of France is Paris."]);

        var (code, output, err) = CliProcess.Run("study", "--grid", "goncalves2023", "--checkpoints", series, "--lama", Out("lama"),
            "--crows", Out("crows.csv"), "--heldout", Out("heldout.txt"), "--bootstrap-resamples", "100", "-o", Out("study"));
        Assert.True(code == 0, err);
        Assert.Contains("pretraining series", output);
        string[] files = ["results-gpt2-checkpoint-10.json", "results-gpt2-checkpoint-40.json"];
        Assert.Equal(files, Directory.GetFiles(Out("study"), "results-*.json").Select(Path.GetFileName).Order());
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out("study"), files[0])));
        Assert.Equal(0.25, doc.RootElement.GetProperty("progress").GetDouble(), 9);
        var points = doc.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(["dense", "dynamic-int8", "fp16"], points.Select(p => p.GetProperty("method").GetString()));
        var crows = points[1].GetProperty("intervals").GetProperty("crows");
        Assert.True(crows.GetProperty("ci_low").GetDouble() <= crows.GetProperty("ci_high").GetDouble());
        Assert.InRange(crows.GetProperty("p_vs_base").GetDouble(), 0, 1);
        Assert.True(points[0].GetProperty("perplexity").GetDouble() > 1);
        Assert.True(File.Exists(Path.Combine(Out("study"), "report.html")));
    }

    [Fact]
    public void Study_WithBothModelAndCheckpoints_IsAUsageError()
    {
        var (code, _, err) = CliProcess.Run("study", "--model", CliProcess.Fixture("gpt2_tiny"), "--checkpoints", _root, "--lama", _root, "-o", Out("s"));
        Assert.Equal(1, code);
        Assert.Contains("give either --model", err);
    }
}
