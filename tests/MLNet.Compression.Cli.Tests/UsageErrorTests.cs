using MLNet.Compression.IO;

namespace MLNet.Compression.Cli.Tests;

/// <summary>
/// Usage errors are one line and one exit code; bugs keep their stack trace; file outputs never overwrite an unrelated
/// file; and an output that cannot be written is named as the user gave it.
/// </summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cli-usage-" + Guid.NewGuid().ToString("N")[..8]);

    public UsageErrorTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Out(string name) => Path.Combine(_root, name);

    private string TextFile()
    {
        string text = Out("text.txt");
        File.WriteAllText(text, "The cat sat on the mat.\nIt was a sunny day.\n");
        return text;
    }

    [Fact]
    public void Run_ABugShapedException_Propagates()
    {
        var stderr = new StringWriter();
        Assert.Throws<InvalidOperationException>(() => CliErrors.Run(() => new int[0].Single(), stderr));
        Assert.Throws<ArgumentException>(() => CliErrors.Run(() => throw new ArgumentException("a bug"), stderr));
        Assert.Throws<IOException>(() => CliErrors.Run(() => throw new IOException("a bug"), stderr));
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public void Run_UserErrors_AreOneLineWithTheUsageExitCode()
    {
        var errors = new Exception[]
        {
            new UsageException("--bits: 5 (expected 2, 3, 4 or 8)."),
            new CheckpointException("/m/config.json", "hidden_size", "is missing."),
            new Evaluation.EvaluationDataException("/d/data.csv", 3, "bad line."),
        };
        foreach (var e in errors)
        {
            var stderr = new StringWriter();
            Assert.Equal(CliErrors.UsageExitCode, CliErrors.Run(() => throw e, stderr));
            Assert.Equal($"error: {e.Message}" + Environment.NewLine, stderr.ToString());
        }
        Assert.Equal(1, CliErrors.UsageExitCode);
    }

    [Theory]
    [InlineData("prune", "--method", "magnitude", "--sparsity", "abc", "--sparsity: \"abc\" is not a number (expected a fraction between 0 and 1)")]
    [InlineData("quantize", "--method", "rtn", "--bits", "x", "--bits: \"x\" is not a whole number (expected 2, 3, 4 or 8)")]
    [InlineData("quantize", "--method", "gptq", "--damping", "lots", "--damping: \"lots\" is not a number")]
    [InlineData("prune", "--method", "magnitude", "--seed", "1.5", "--seed: \"1.5\" is not a whole number")]
    public void UnparsableOptionValues_AreOneLineNamingTheOptionAndWhatWasExpected(string command, string o1, string v1, string o2, string v2, string expected)
    {
        var (code, output, err) = CliProcess.Run(command, "--model", CliProcess.Fixture("bert"), o1, v1, o2, v2, "-o", Out("x"));
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.Equal("error: " + expected, err.Split('\n')[0].TrimEnd()[..("error: " + expected).Length]);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("System.", err);
        Assert.Equal("", output);
        Assert.False(Directory.Exists(Out("x")));
    }

    [Fact]
    public void MissingRequiredOption_HasTheSameExitCode()
    {
        var (code, _, err) = CliProcess.Run("prune", "--model", CliProcess.Fixture("bert"), "-o", Out("x"));
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.StartsWith("error: ", err);
        Assert.Contains("--method", err);
    }

    [Fact]
    public void Out_OntoAnUnrelatedFile_IsRefusedAndTheFileIsUnchanged()
    {
        string text = TextFile();
        string notes = Out("notes.json");
        File.WriteAllText(notes, """{"my": "notes"}""");
        var (code, _, err) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", text, "-o", notes);
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.Contains($"{notes}: the file exists and is not an earlier perplexity JSON", err);
        Assert.DoesNotContain("   at ", err);
        Assert.Equal("""{"my": "notes"}""", File.ReadAllText(notes));

        (code, _, err) = CliProcess.Run("forward", "--model", CliProcess.Fixture("gpt2_tiny"), "--inputs", Path.Combine(CliProcess.Fixture("gpt2_tiny"), "reference.json"), "--out", text);
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.Contains($"{text}: the file exists and is not an earlier forward output", err);
        Assert.StartsWith("The cat sat", File.ReadAllText(text));
    }

    [Fact]
    public void Out_OntoAnEarlierOutput_IsReplaced()
    {
        string text = TextFile();
        string json = Out("ppl.json");
        var (code, _, err) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", text, "-o", json);
        Assert.True(code == 0, err);
        string first = File.ReadAllText(json);
        File.WriteAllText(text, "A completely different text to score, with more words in it.\n");
        (code, _, err) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", text, "-o", json);
        Assert.True(code == 0, err);
        Assert.NotEqual(first, File.ReadAllText(json));
        Assert.Empty(Directory.GetFiles(_root, "*.tmp-*"));

        string st = Out("fwd.safetensors");
        string inputs = Path.Combine(CliProcess.Fixture("gpt2_tiny"), "reference.json");
        for (int i = 0; i < 2; i++)
        {
            (code, _, err) = CliProcess.Run("forward", "--model", CliProcess.Fixture("gpt2_tiny"), "--inputs", inputs, "--out", st);
            Assert.True(code == 0, err);
        }
    }

    [Fact]
    public void Out_WhereTheFolderCannotBeMade_NamesTheUsersPathNotATemporaryOne()
    {
        string text = TextFile();
        // A file used as a folder: the parent cannot be created, even as root.
        string output = Path.Combine(text, "missing", "ppl.json");
        var (code, _, err) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", text, "-o", output);
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.StartsWith($"error: {output}: cannot write (", err);
        Assert.DoesNotContain(".tmp-", err);
        Assert.DoesNotContain("   at ", err);

        (code, _, err) = CliProcess.Run("export", "--model", CliProcess.Fixture("gpt2_tiny"), "-o", Path.Combine(text, "hf"));
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.StartsWith($"error: {Path.Combine(text, "hf")}: cannot write (", err);
        Assert.DoesNotContain(".tmp-", err);
    }

    [Fact]
    public void Out_UnderAFolderThatCannotHoldFiles_NamesTheUsersPath()
    {
        // /proc refuses new files even to root.
        if (!Directory.Exists("/proc")) return;
        string output = "/proc/mlnet-cli-" + Guid.NewGuid().ToString("N")[..8] + ".json";
        var (code, _, err) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", TextFile(), "-o", output);
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.StartsWith($"error: {output}: cannot write (", err);
        Assert.DoesNotContain(".tmp-", err);
    }

    [Fact]
    public void BadPlanFile_IsAOneLineUsageError()
    {
        string plan = Out("plan.json");
        File.WriteAllText(plan, "{ not json");
        var (code, _, err) = CliProcess.Run("prune", "--model", CliProcess.Fixture("bert"), "--method", "magnitude", "--plan", plan, "-o", Out("p"));
        Assert.Equal(CliErrors.UsageExitCode, code);
        Assert.StartsWith($"error: {plan}", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Tokenize_NeitherTextNorInput_HasTheUsageExitCode()
    {
        var stderr = new StringWriter();
        Assert.Equal(CliErrors.UsageExitCode, TokenizeCommand.Run("/any", null, null, true, false, new StringWriter(), stderr));
        Assert.Contains("give exactly one of --text or --input", stderr.ToString());
    }
}
