using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Cli.Tests;

/// <summary>
/// `distill` on the tiny fixtures that carry a tokenizer (bert_uncased_tiny, gpt2_tiny): students of chosen layers,
/// recovery of a pruned model in its compressed form, one-line errors, and a stopped run that resumes to the same weights.
/// </summary>
public sealed class DistillCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cli-distill-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Out(string name) => Path.Combine(_root, name);

    private static string Bert => CliProcess.Fixture("bert_uncased_tiny");

    private static string Gpt2 => CliProcess.Fixture("gpt2_tiny");

    private string Text()
    {
        string path = Out("text.txt");
        File.WriteAllText(path, string.Join('\n',
            "The cat sat on the mat.", "It was a sunny day in the park.", "", "Paris is the capital of France.",
            "The quick brown fox jumps over the lazy dog.", "A bird in the hand is worth two in the bush.", ""));
        return path;
    }

    /// <summary>The small run every test trains: a few steps of four 16-token rows.</summary>
    private static string[] Small(int steps) => ["--steps", steps.ToString(), "--batch-size", "4", "--seq-len", "16"];

    private static (int Code, string Out, string Err) Distill(params string[] args) => CliProcess.Run(["distill", .. args]);

    private static JsonObject Record(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "distill.json")))!.AsObject();

    private static float[] Dense(LanguageModel m, string layer) => m.Linears.Single(l => l.Name == layer).Weight.ToDense().ReadOnlySpan.ToArray();

    [Fact]
    public void StudentLayers0_OfATwoLayerMaskedTeacher_WritesALoadableOneLayerFolder()
    {
        var (code, output, err) = Distill(["--teacher", Bert, "--student-layers", "0", "--text", Text(), .. Small(10), "-o", Out("s")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("student: teacher layers 0 of 2 (--student-layers)", output);
        Assert.Matches(@"distilled: 10 steps in \d+\.\d s \([\d,]+ tokens/s\), loss \d+\.\d{3} → \d+\.\d{3}", output);

        var teacher = ModelLoader.Load(Bert);
        var student = ModelLoader.Load(Out("s"));
        Assert.Equal(1, student.LayerCount);
        Assert.Equal(1, ConfigJson.Load(Path.Combine(Out("s"), "config.json")).Root.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(teacher.VocabSize, student.VocabSize);
        Assert.True(student.ParameterCount() < teacher.ParameterCount());
        // Student layer 0 starts as teacher layer 0 and was trained.
        string query = "bert.encoder.layer.0.attention.self.query";
        Assert.Equal(Dense(teacher, query).Length, Dense(student, query).Length);
        Assert.NotEqual(Dense(teacher, query), Dense(student, query));
        Assert.Null(student.Linears.FirstOrDefault(l => l.Name.StartsWith("bert.encoder.layer.1.", StringComparison.Ordinal)));
        // The teacher's tokenizer comes along, so the folder is usable on its own.
        Assert.NotNull(AutoTokenizer.FromFolder(Out("s")).MaskTokenId);

        var record = Record(Out("s"));
        Assert.Equal(10, (int)record["steps"]!);
        Assert.Equal(new[] { 0 }, record["student_layers"]!.AsArray().Select(n => (int)n!));
        Assert.Equal("layers", (string?)record["student"]);
        Assert.True((double)record["first_loss"]! > 0 && (double)record["final_loss"]! > 0);
        Assert.True((double)record["seconds"]! > 0);
        Assert.Equal(16, (int)record["options"]!["seq_len"]!);
        Assert.Equal(teacher.ParameterCount(), (long)record["teacher_parameters"]!);
        Assert.Equal(student.ParameterCount(), (long)record["student_parameters"]!);
    }

    [Fact]
    public void CausalTeacher_WithoutAStudentOption_GetsTheDefaultStudent()
    {
        var (code, output, err) = Distill(["--teacher", Gpt2, "--text", Text(), .. Small(8), "-o", Out("g")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("the default student", output);

        var student = ModelLoader.Load(Out("g"));
        Assert.Equal(ModelKind.CausalLM, student.Kind);
        Assert.Equal(1, student.LayerCount);
        Assert.Equal(1, ConfigJson.Load(Path.Combine(Out("g"), "config.json")).Root.GetProperty("n_layer").GetInt32());
        Assert.True(File.Exists(Path.Combine(Out("g"), "merges.txt")));
        Assert.NotEqual(Dense(ModelLoader.Load(Gpt2), "transformer.h.0.mlp.c_fc"), Dense(student, "transformer.h.0.mlp.c_fc"));
        var record = Record(Out("g"));
        Assert.Equal("default", (string?)record["student"]);
        Assert.Equal(new[] { 0 }, record["student_layers"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(8, (int)record["steps"]!);

        // The folder is now an earlier output, so the same command replaces it.
        (code, output, err) = Distill(["--teacher", Gpt2, "--text", Text(), .. Small(2), "-o", Out("g")]);
        Assert.True(code == 0, output + err);
        Assert.Equal(2, (int)Record(Out("g"))["steps"]!);
    }

    [Fact]
    public void Recover_APrunedModel_KeepsEveryPrunedWeightAtZero_AndTheStoredSize()
    {
        var (code, output, err) = CliProcess.Run("prune", "--model", Bert, "--method", "magnitude", "--scope", "local", "--groups", "all", "--sparsity", "0.7", "-o", Out("p"));
        Assert.True(code == 0, output + err);
        (code, output, err) = Distill(["--teacher", Bert, "--recover", Out("p"), "--text", Text(), .. Small(10), "-o", Out("r")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("the same stored forms and size", output);

        var pruned = ModelLoader.Load(Out("p"));
        var recovered = ModelLoader.Load(Out("r"));
        Assert.Equal(pruned.Linears.Select(l => l.Name), recovered.Linears.Select(l => l.Name));
        int sparse = 0, changed = 0;
        for (int i = 0; i < pruned.Linears.Count; i++)
        {
            var before = pruned.Linears[i];
            var after = recovered.Linears[i];
            Assert.Equal(before.Weight.Format, after.Weight.Format);
            if (before.Weight.Format != "sparse-csr") continue;
            sparse++;
            var b = before.Weight.ToDense().ReadOnlySpan.ToArray();
            var a = after.Weight.ToDense().ReadOnlySpan.ToArray();
            for (int j = 0; j < b.Length; j++)
                if (b[j] == 0f) Assert.True(a[j] == 0f, $"{before.Name}[{j}] was pruned but is {a[j]} after recovery");
            if (!a.SequenceEqual(b)) changed++;
            Assert.Equal(before.Weight.StorageBytes, after.Weight.StorageBytes);
        }
        Assert.Equal(12, sparse);
        Assert.Equal(sparse, changed);
        Assert.Equal(pruned.StorageBytes(), recovered.StorageBytes());

        var manifest = CompressedModel.ReadManifest(Out("r"));
        Assert.Equal(CompressedModel.ReadManifest(Out("p")).Bytes, manifest.Bytes);
        var query = manifest.Layers.Single(l => l.Name == "bert.encoder.layer.0.attention.self.query");
        Assert.Equal(new[] { "prune magnitude", "distill recover" }, query.Stages.Select(s => $"{s.Stage} {s.Method}"));
        var record = Record(Out("r"));
        Assert.Equal("recover", (string?)record["student"]);
        Assert.Equal((long)record["bytes_before"]!, (long)record["bytes_after"]!);
        Assert.Equal(manifest.Bytes, (long)record["bytes_after"]!);
    }

    [Theory]
    [InlineData("--student-layers", "layers-out-of-range")]
    [InlineData("--temperature", "temperature-zero")]
    [InlineData("--text", "text-missing")]
    [InlineData("--text", "text-empty")]
    [InlineData("--student-config", "other-vocabulary")]
    [InlineData("--student-layers, --student-config, --recover", "two-students")]
    [InlineData("--resume", "nothing-to-resume")]
    public void BadInput_IsOneErrorLineNamingTheOption(string option, string problem)
    {
        string text = Text();
        string empty = Out("empty.txt");
        File.WriteAllText(empty, "");
        string config = Out("config.json");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Bert, "config.json")))!.AsObject();
        json["vocab_size"] = 100;
        File.WriteAllText(config, json.ToJsonString());
        string missing = Out("no-such.txt");
        string[] extra = problem switch
        {
            "layers-out-of-range" => ["--student-layers", "5", "--text", text],
            "temperature-zero" => ["--temperature", "0", "--text", text],
            "text-missing" => ["--text", missing],
            "text-empty" => ["--text", empty],
            "other-vocabulary" => ["--student-config", config, "--text", text],
            "two-students" => ["--student-layers", "0", "--student-config", config, "--text", text],
            "nothing-to-resume" => ["--resume", "--text", text],
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };
        var (code, output, err) = Distill(["--teacher", Bert, .. extra, .. Small(3), "-o", Out("o")]);
        Assert.Equal(1, code);
        string line = Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"error: {option}: ", line);
        Assert.DoesNotContain(" at MLNet.", err);
        Assert.False(Directory.Exists(Out("o")));
        switch (problem)
        {
            case "layers-out-of-range": Assert.Contains("layer 5 is out of range; the teacher has 2 layers", line); break;
            case "text-missing": Assert.Contains(missing, line); break;
            case "text-empty": Assert.Contains(empty, line); break;
            case "other-vocabulary": Assert.Contains("100 tokens but the teacher's has 30522", line); break;
        }
        Assert.DoesNotContain("distilled", output);
    }

    [Fact]
    public void AStoppedRun_ResumedFromItsCheckpoint_EndsWithTheWeightsOfAnUninterruptedRun()
    {
        string text = Text();
        string[] run = ["--teacher", Bert, "--student-layers", "0", "--text", text, .. Small(8)];
        var (code, output, err) = Distill([.. run, "-o", Out("straight")]);
        Assert.True(code == 0, output + err);

        string checkpoint = Out("split") + ".distill-checkpoint.safetensors", state = Out("split") + ".distill-checkpoint.json";
        (code, output, err) = Distill([.. run, "--checkpoint-every", "2", "--stop-at", "5", "-o", Out("split")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("stopped at step 5 of 8", output);
        Assert.False(Directory.Exists(Out("split")));
        Assert.True(File.Exists(checkpoint) && File.Exists(state));
        using (var file = SafeTensorsFile.Open(checkpoint)) Assert.Equal(new[] { 5L }, file.ReadInt64("step"));

        // A resume with other settings would not continue the same run: refused, naming the option.
        (code, _, err) = Distill([.. run, "--lr", "0.001", "--resume", "-o", Out("split")]);
        Assert.Equal(1, code);
        Assert.StartsWith("error: --resume: ", Assert.Single(err.Trim().Split('\n')));
        Assert.Contains("--lr 0.0005", err);

        (code, output, err) = Distill([.. run, "--checkpoint-every", "2", "--resume", "-o", Out("split")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("resumed at step 5 of 8", output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("straight"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Out("split"), "model.safetensors")));
        var straight = Record(Out("straight"));
        var split = Record(Out("split"));
        Assert.Equal(5, (int)split["resumed_from_step"]!);
        Assert.Equal(8, (int)split["steps"]!);
        Assert.Equal((float)straight["first_loss"]!, (float)split["first_loss"]!);
        Assert.Equal((float)straight["final_loss"]!, (float)split["final_loss"]!);
        Assert.Equal((long)straight["tokens"]!, (long)split["tokens"]!);
        // A completed run removes its checkpoint.
        Assert.False(File.Exists(checkpoint));
        Assert.False(File.Exists(state));
    }

    [Fact]
    public void AStoppedRecoveryOfAQuantizedModel_ResumesToTheBytesOfAnUninterruptedOne()
    {
        var (code, output, err) = CliProcess.Run("quantize", "--model", Bert, "--method", "rtn", "--bits", "4", "--group-size", "32", "--groups", "all", "-o", Out("q"));
        Assert.True(code == 0, output + err);
        string[] run = ["--teacher", Bert, "--recover", Out("q"), "--text", Text(), .. Small(6)];
        (code, output, err) = Distill([.. run, "-o", Out("straight")]);
        Assert.True(code == 0, output + err);
        (code, output, err) = Distill([.. run, "--stop-at", "3", "-o", Out("split")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("stopped at step 3 of 6", output);
        (code, output, err) = Distill([.. run, "--resume", "-o", Out("split")]);
        Assert.True(code == 0, output + err);
        Assert.Contains("resumed at step 3 of 6", output);

        // The float master weights travel in the checkpoint, so the re-quantized result is the same to the byte.
        Assert.Equal(File.ReadAllBytes(Path.Combine(Out("straight"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Out("split"), "model.safetensors")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(Out("q"), "model.safetensors")), File.ReadAllBytes(Path.Combine(Out("split"), "model.safetensors")));
        Assert.Equal(CompressedModel.ReadManifest(Out("q")).Bytes, CompressedModel.ReadManifest(Out("split")).Bytes);
    }
}
