using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;

namespace MLNet.Compression.Cli.Tests;

/// <summary>`world` writes a synthetic world, `train` trains a model on it; both refuse bad input with one line.</summary>
public sealed class WorldAndTrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cli-world-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Out(string name) => Path.Combine(_root, name);

    private string SmallWorld(string name, int seed)
    {
        var (code, output, err) = CliProcess.Run("world", "--small", "--seed", seed.ToString(), "-o", Out(name));
        Assert.True(code == 0, output + err);
        return Out(name);
    }

    [Fact]
    public void WorldSmall_WritesALoadableWorld_AndTheSeedDecidesIt()
    {
        var (code, output, err) = CliProcess.Run("world", "--small", "--seed", "3", "-o", Out("w3"));
        Assert.True(code == 0, output + err);
        Assert.Matches(@"world: \d+ facts over \d+ relations, \d+ training sentences, bias skew 0.8", output);

        var lama = LamaSubset.FromFolder(Path.Combine(Out("w3"), "lama")).Single();
        Assert.NotEmpty(lama.Relations);
        Assert.NotEmpty(LamaSubset.FromFolder(Path.Combine(Out("w3"), "lama-next-token")).Single().Relations);
        Assert.NotEmpty(CrowsPairsData.Load(Path.Combine(Out("w3"), "crows_pairs.csv")).Pairs);
        foreach (var f in new[] { "corpus.txt", "heldout.txt", "stereoset/intrasentence.csv", "tokenizer-bpe/vocab.json", "tokenizer-wordpiece/vocab.txt" })
            Assert.True(File.Exists(Path.Combine(Out("w3"), f)), f);

        string again = SmallWorld("w3-again", 3), other = SmallWorld("w4", 4);
        string World(string dir) => File.ReadAllText(Path.Combine(dir, "world.json"));
        Assert.Equal(World(Out("w3")), World(again));
        Assert.Equal(File.ReadAllText(Path.Combine(Out("w3"), "corpus.txt")), File.ReadAllText(Path.Combine(again, "corpus.txt")));
        Assert.NotEqual(World(Out("w3")), World(other));
        Assert.NotEqual(File.ReadAllText(Path.Combine(Out("w3"), "corpus.txt")), File.ReadAllText(Path.Combine(other, "corpus.txt")));

        // Writing over an earlier world replaces it; an unrelated folder is refused and left alone.
        (code, _, err) = CliProcess.Run("world", "--small", "--seed", "4", "-o", Out("w3"));
        Assert.True(code == 0, err);
        Assert.Equal(World(other), World(Out("w3")));
        Directory.CreateDirectory(Out("notes"));
        File.WriteAllText(Path.Combine(Out("notes"), "mine.txt"), "keep");
        (code, _, err) = CliProcess.Run("world", "--small", "-o", Out("notes"));
        Assert.Equal(1, code);
        Assert.Contains("it has no world.json", err);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(Out("notes"), "mine.txt")));
    }

    [Fact]
    public void TrainLlama_Tiny_WritesAFolderThatInfoAndProbeRead_AndIsReusedWhenNothingChanged()
    {
        string world = SmallWorld("w", 5);
        string[] args = ["train", "--world", world, "--arch", "llama", "--hidden", "32", "--layers", "1", "--heads", "2", "--steps", "30",
                         "--batch-size", "16", "--learning-rate", "0.005", "--checkpoint-fractions", "0.5,1", "-o", Out("llama")];
        var (code, output, err) = CliProcess.Run(args);
        Assert.True(code == 0, output + err);
        Assert.Contains("causal LM (Llama): trained in", output);
        Assert.Matches(@"30 steps, final loss \d+\.\d{3}", output);
        Assert.Equal(["step-000015", "step-000030"], Directory.GetDirectories(Path.Combine(Out("llama"), "checkpoints")).Select(Path.GetFileName).Order());

        (code, output, err) = CliProcess.Run("info", "--model", Out("llama"));
        Assert.True(code == 0, err);
        Assert.Contains("llama (CausalLM)", output);
        Assert.Contains("model.layers.0.mlp.gate_proj", output);
        (code, output, err) = CliProcess.Run("probe", "--model", Out("llama"), "--lama", Path.Combine(world, "lama-next-token"));
        Assert.True(code == 0, err);
        Assert.Contains("micro P@1", output);

        var stamp = File.GetLastWriteTimeUtc(Path.Combine(Out("llama"), "model.safetensors"));
        (code, output, err) = CliProcess.Run(args);
        Assert.True(code == 0, output + err);
        Assert.Contains("reused", output);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(Out("llama"), "model.safetensors")));

        // An output folder that is not an earlier model is refused before training.
        (code, _, err) = CliProcess.Run("train", "--world", world, "--arch", "gpt2", "--steps", "1", "-o", world);
        Assert.Equal(1, code);
        Assert.Contains("it has no training.json", err);
    }

    [Theory]
    [InlineData("--arch", "train", "--arch", "t5", "--world", "{root}", "-o", "{out}")]
    [InlineData("--world", "train", "--arch", "gpt2", "--world", "{root}", "-o", "{out}")]
    [InlineData("--steps", "train", "--arch", "bert", "--world", "{root}", "--steps", "0", "-o", "{out}")]
    [InlineData("--heads", "train", "--arch", "llama", "--world", "{root}", "--hidden", "30", "--heads", "2", "-o", "{out}")]
    [InlineData("--checkpoint-fractions", "train", "--arch", "bert", "--world", "{root}", "--checkpoint-fractions", "0.5,2", "-o", "{out}")]
    [InlineData("--bias-skew", "world", "--bias-skew", "2", "-o", "{out}")]
    [InlineData("--people", "world", "--people", "0", "-o", "{out}")]
    public void BadInput_IsOneErrorLineNamingTheOption(string option, params string[] args)
    {
        File.WriteAllText(Out("corpus.txt"), "Not a world.\n");
        var (code, output, err) = CliProcess.Run(args.Select(a => a.Replace("{root}", _root).Replace("{out}", Out("o"))).ToArray());
        Assert.Equal(1, code);
        string line = Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith($"error: {option}: ", line);
        Assert.Equal("", output);
        Assert.False(Directory.Exists(Out("o")));
        if (option == "--arch") Assert.Contains("bert, gpt2 or llama", line);
        if (option == "--world") Assert.Contains($"{_root} is not a world folder: it has no world.json, {Path.Combine("tokenizer-bpe", "vocab.json")}", line);
    }
}
