using MLNet.Compression.Export.Gguf;

namespace MLNet.Compression.Cli.Tests;

/// <summary>`export --format gguf`: the file, its log, replacing an earlier export, and one-line errors.</summary>
public sealed class ExportGgufCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gguf-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Out(string name) => Path.Combine(_dir, name);

    private static string Aidreams => Path.Combine(CliProcess.Shared, "data", "models", "aidreams260K");

    [Fact]
    public void Aidreams260K_Q8_0_WritesAGgufWithTokenizer_LogsFallbacks_AndReplacesItsOwnExport()
    {
        var (code, output, err) = CliProcess.Run("export", "--model", Aidreams, "--format", "gguf", "--type", "q8_0", "-o", Out("a.gguf"));
        Assert.True(code == 0, output + err);
        Assert.Contains("tokenizer: llama2.c tokenizer (512 pieces)", output);
        Assert.Contains("rows of 172 are not a multiple of 32", output);
        Assert.Contains("requantized", output);
        var file = GgufReader.Open(Out("a.gguf"));
        Assert.Equal("llama", file.Metadata["general.architecture"]);
        Assert.Equal(GgmlType.Q8_0, file.Tensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.ffn_down.weight").Type);

        // An earlier export is replaced; a file that is not one is refused and left alone.
        (code, output, err) = CliProcess.Run("export", "--model", Aidreams, "--format", "gguf", "-o", Out("a.gguf"));
        Assert.True(code == 0, output + err);
        Assert.Equal(GgmlType.F32, GgufReader.Open(Out("a.gguf")).Tensor("blk.0.attn_q.weight").Type);
        File.WriteAllText(Out("notes.gguf"), "my notes");
        (code, _, err) = CliProcess.Run("export", "--model", Aidreams, "--format", "gguf", "-o", Out("notes.gguf"));
        Assert.Equal(1, code);
        Assert.Contains("not an earlier GGUF export", err);
        Assert.Equal("my notes", File.ReadAllText(Out("notes.gguf")));
    }

    [Theory]
    [InlineData("opt", "auto", "x.gguf", "opt models cannot be exported as GGUF")]
    [InlineData("llama", "q5_k", "x.gguf", "--type q5_k: unknown GGUF tensor type")]
    [InlineData("llama", "auto", "x.bin", "give it a name ending in .gguf")]
    public void Mistakes_AreOneLineErrors(string fixture, string type, string output, string expected)
    {
        var (code, _, err) = CliProcess.Run("export", "--model", CliProcess.Fixture(fixture), "--format", "gguf", "--type", type, "-o", Out(output));
        Assert.Equal(1, code);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(Out(output)));
    }

    [Fact]
    public void TypeWithHfFormat_IsRefused()
    {
        var (code, _, err) = CliProcess.Run("export", "--model", CliProcess.Fixture("llama"), "--type", "q8_0", "-o", Out("hf"));
        Assert.Equal(1, code);
        Assert.Contains("--type q8_0: applies to --format gguf", err);
    }
}
