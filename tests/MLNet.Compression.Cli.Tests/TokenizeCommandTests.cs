using System.CommandLine;
using System.Text.Json;

namespace MLNet.Compression.Cli.Tests;

/// <summary>`mlnet-compress tokenize` prints tokens and ids, as JSON on request, one JSON line per --input line.</summary>
public class TokenizeCommandTests
{
    private static string Shared()
    {
        var env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir!.FullName, "..", "shared"));
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(TokenizeCommand.Create());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var old = (Console.Out, Console.Error);
        lock (typeof(TokenizeCommandTests))
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try { return (root.Parse(args).Invoke(), stdout.ToString(), stderr.ToString()); }
            finally { Console.SetOut(old.Out); Console.SetError(old.Error); }
        }
    }

    [Fact]
    public void Tokenize_Json_PrintsIdsAndTokens()
    {
        string dir = Path.Combine(Shared(), "fixtures", "models", "bert_uncased_tiny");
        var (code, output, _) = Run("tokenize", "--tokenizer", dir, "--text", "Paris is the capital of [MASK].", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal([101, 3000, 2003, 1996, 3007, 1997, 103, 1012, 102], doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("[CLS]", doc.RootElement.GetProperty("tokens")[0].GetString());
    }

    [Fact]
    public void Tokenize_NoSpecialTokens_PlainText()
    {
        string dir = Path.Combine(Shared(), "fixtures", "models", "gpt2_tiny");
        var (code, output, _) = Run("tokenize", "--tokenizer", dir, "--text", "Hello world", "--no-special-tokens");
        Assert.Equal(0, code);
        Assert.Contains("ids: [15496, 995]", output);
        Assert.Contains("Ġworld", output);
    }

    [Fact]
    public void Tokenize_InputJsonl_OneLinePerInputInOrder()
    {
        string dir = Path.Combine(Shared(), "fixtures", "models", "t5_tiny");
        string file = Path.GetTempFileName();
        File.WriteAllLines(file, ["{\"text\": \"Paris is the capital of <extra_id_0>.\"}", "{\"text\": \"Hello\"}"]);
        try
        {
            var (code, output, _) = Run("tokenize", "--tokenizer", dir, "--input", file);
            Assert.Equal(0, code);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            using var first = JsonDocument.Parse(lines[0]);
            Assert.Equal([1919, 19, 8, 1784, 13, 32099, 3, 5, 1], first.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Tokenize_MissingFolder_FailsWithMessage()
    {
        var (code, _, err) = Run("tokenize", "--tokenizer", "/nonexistent/model", "--text", "x");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/model", err);
    }
}
