using MLNet.Compression.Modeling;
using MLNet.Compression.Study;
using MLNet.Compression.Synthetic;

namespace MLNet.Compression.Tests.Study;

/// <summary>The study on fixture-sized models: honest sizes, intervals and paired tests at every point, checkpoint series.</summary>
public sealed class StudyRunnerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("study-").FullName;
    private readonly string _world;

    public StudyRunnerTests()
    {
        _world = Path.Combine(_root, "world");
        WorldWriter.Write(KnowledgeWorld.Generate(WorldOptions.Small(2)), _world);
        File.WriteAllLines(Path.Combine(_root, "heldout.txt"), ["Hello there, this is held-out text.", "A second sentence to score."]);
        // Facts whose objects are single GPT-2 tokens, so the causal probe ranks every one of them.
        string lama = Directory.CreateDirectory(Path.Combine(_root, "lama", "TREx")).FullName;
        var capitals = new[] { ("France", "Paris"), ("Italy", "Rome"), ("Japan", "Tokyo"), ("Germany", "Berlin"), ("Spain", "Madrid"), ("Russia", "Moscow") };
        File.WriteAllLines(Path.Combine(lama, "P36.jsonl"), capitals.Select((c, i) => $$$"""{"sub_label": "{{{c.Item1}}}", "obj_label": "{{{c.Item2}}}", "uuid": "u{{{i}}}"}"""));
        File.WriteAllText(Path.Combine(_root, "lama", "relations.jsonl"), """{"relation": "P36", "template": "The capital of [X] is [Y] ."}""" + "\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private StudyRunner.Options Options() => new()
    {
        LamaDir = Path.Combine(_root, "lama"), CrowsFile = Path.Combine(_world, "crows_pairs.csv"),
        StereoSetFiles = [Path.Combine(_world, "stereoset", "intrasentence.csv")],
        PerplexityText = Path.Combine(_root, "heldout.txt"),
        Bootstrap = new MLNet.Compression.Evaluation.Statistics.Bootstrap.Options { Resamples = 200 },
    };

    [Fact]
    public void NoPointIsLargerThanDense_WithTiedEmbeddingsCountedOnce()
    {
        string gpt2 = SharedData.Fixture("models", "gpt2_tiny");   // lm_head tied to wte
        var grid = new StudyGrid("sizes", StudyGrid.Namburi2023([0.5, 0.95]).Points.Where(p => p.Group == "all" || p.Method == "dense").ToList());
        var r = new StudyRunner(Options()).Run(gpt2, grid);

        var dense = r.Dense!;
        Assert.Equal(ModelLoader.Load(gpt2).ParameterCount() * sizeof(float), dense.SizeBytes);  // every weight once, the tied head included
        foreach (var p in r.Points)
        {
            Assert.True(p.SizeBytes <= dense.SizeBytes, $"{p.Name}: {p.SizeBytes} bytes > dense {dense.SizeBytes}");
            Assert.Equal(p.SizeBytes, p.LinearBytes + p.OtherBytes);
            Assert.Equal(dense.OtherBytes, p.OtherBytes);   // compression touches linear layers only; the tied embedding stays once
        }
        Assert.True(r.Points.Single(p => p.Name == "magnitude all 0.95").SizeBytes < dense.SizeBytes);
    }

    [Fact]
    public void EveryScoreCarriesAnInterval_AndCompressedPointsAPairedTestAgainstDense()
    {
        string gpt2 = SharedData.Fixture("models", "gpt2_tiny");
        var r = new StudyRunner(Options()).Run(gpt2, StudyGrid.Goncalves2023());

        Assert.Equal(200, r.BootstrapResamples);
        var dense = r.Dense!;
        foreach (var key in new[] { "p_at_1", "crows", "ss", "lms", "icat" })
        {
            Assert.True(dense.Intervals.ContainsKey(key), key);
            var e = dense.Intervals[key];
            Assert.True(e.CiLow <= e.Value && e.Value <= e.CiHigh, $"{key}: {e.Value} outside [{e.CiLow}, {e.CiHigh}]");
            Assert.Null(e.PVsBase);
        }
        Assert.Equal(dense.CrowsScore!.Value, dense.Intervals["crows"].Value, 1);
        Assert.Equal(dense.StereoSetSs!.Value, dense.Intervals["ss"].Value, 9);
        foreach (var p in r.Points.Where(p => p.Method != "dense"))
            foreach (var key in new[] { "p_at_1", "crows", "ss", "icat" })
                Assert.InRange(p.Intervals[key].PVsBase!.Value, 0, 1);

        Assert.NotNull(dense.Perplexity);
        Assert.Equal(0, dense.KlFromDense);
        var int8 = r.Points.Single(p => p.Method == "dynamic-int8");
        Assert.True(int8.KlFromDense > 0);
        Assert.True(int8.SizeBytes < dense.SizeBytes);
    }

    [Fact]
    public void CheckpointSeries_OrdersFoldersByStep_AndTheGridRunsAtEach()
    {
        string series = Path.Combine(_root, "checkpoints");
        foreach (var step in new[] { "step-200", "step-50" })
        {
            string dir = Path.Combine(series, step);
            Directory.CreateDirectory(dir);
            foreach (var f in Directory.GetFiles(SharedData.Fixture("models", "gpt2_tiny"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        var checkpoints = CheckpointSeries.Resolve([series]);
        Assert.Equal(["step-50", "step-200"], checkpoints.Select(c => c.Label));
        Assert.Equal([50L, 200L], checkpoints.Select(c => c.Step!.Value));

        var results = new StudyRunner(Options()).RunCheckpoints(checkpoints, StudyGrid.Goncalves2023());
        Assert.Equal([0.25, 1.0], results.Select(r => r.Progress!.Value));
        Assert.All(results, r => Assert.Equal(["dense", "dynamic-int8", "fp16"], r.Points.Select(p => p.Method)));
    }

    [Fact]
    public void CheckpointSeries_RefusesAFolderWithoutModels()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_root, "nothing")).FullName;
        var e = Assert.Throws<DirectoryNotFoundException>(() => CheckpointSeries.Resolve([empty]));
        Assert.Contains("holds no model folder", e.Message);
    }

    [Fact]
    public void DistilledAndRecoveredPoints_AreStudiedBesideTheCompressedOnes()
    {
        string gpt2 = SharedData.Fixture("models", "gpt2_tiny");
        string text = Path.Combine(_root, "train.txt");
        File.WriteAllLines(text, ["The capital of France is Paris.", "The capital of Italy is Rome.", "The capital of Japan is Tokyo.", "A sentence about the weather."]);
        var training = new Dictionary<string, string> { ["batch_size"] = "4", ["seq_len"] = "16" };
        var grid = new StudyGrid("distill", [.. StudyGrid.Namburi2023([0.7]).Points.Where(p => p.Name is "dense" or "magnitude all 0.7"),
            .. StudyGrid.Distillation(text, studentSteps: 5, recoverSteps: 5, training: training)]);

        var r = new StudyRunner(Options()).Run(gpt2, grid);

        var dense = r.Dense!;
        var student = r.Points.Single(p => p.Method == "distilled");
        var pruned = r.Points.Single(p => p.Name == "magnitude all 0.7");
        var recovered = r.Points.Single(p => p.Method == "magnitude+recover");
        Assert.True(student.LinearBytes < dense.LinearBytes, "the student keeps half the layers");
        Assert.Equal(pruned.LinearBytes, recovered.LinearBytes);   // recovery keeps the pruned forms and size
        Assert.Equal(0.7, recovered.Sparsity);
        foreach (var p in new[] { student, recovered })
            foreach (var key in new[] { "p_at_1", "crows", "ss" })
                Assert.InRange(p.Intervals[key].PVsBase!.Value, 0, 1);
    }

    [Fact]
    public void AGridFile_ReadsDistillStages_WithTheirTextBesideTheFile()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_root, "grids")).FullName;
        File.WriteAllText(Path.Combine(dir, "grid.json"), """
            { "name": "g", "points": [ { "name": "student", "stages": [ { "stage": "distill", "method": "student", "text": "train.txt", "steps": 3 } ] },
                                       { "name": "bad", "stages": [ { "stage": "distill", "method": "recover", "text": "train.txt" } ] } ] }
            """);
        var e = Assert.Throws<ArgumentException>(() => StudyGrid.Load(Path.Combine(dir, "grid.json")));
        Assert.Contains("points[1]: stages[0]: a recover stage trains what the stages before it compressed", e.Message);

        File.WriteAllText(Path.Combine(dir, "grid.json"), """
            { "name": "g", "points": [ { "name": "student", "stages": [ { "stage": "distill", "method": "student", "text": "train.txt", "steps": 3 } ] } ] }
            """);
        var grid = StudyGrid.Load(Path.Combine(dir, "grid.json"));
        var point = grid.Points.Single(p => p.Name == "student");
        Assert.Equal("student", point.Method);
        Assert.Equal(Path.Combine(dir, "train.txt"), point.Stages[0].Text);
    }
}
