using System.Text.Json;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Synthetic;
using MLNet.Compression.Tests.IO;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Synthetic;

public class WorldModelTrainerTests
{
    [Fact]
    public void CheckpointSteps_AreRoundedFractionsOfTheRun()
    {
        Assert.Equal([1, 15, 30, 60, 150], CheckpointSchedule.Steps([0.001, 0.1, 0.2, 0.4, 1.0, 0.4], 150));
        Assert.Empty(CheckpointSchedule.Steps([], 150));
        Assert.Throws<ArgumentException>(() => CheckpointSchedule.Steps([1.5], 150));
        Assert.Equal("step-000150", CheckpointSchedule.Name(150));
    }

    [Theory]
    [InlineData(ModelArchitecture.Bert)]
    [InlineData(ModelArchitecture.Gpt2)]
    [InlineData(ModelArchitecture.Llama)]
    public void Checkpoints_AreCompleteModelFolders_ThatLoad(ModelArchitecture arch)
    {
        using var dir = new TempDir();
        string worldDir = Path.Combine(dir.Path, "world"), outDir = Path.Combine(dir.Path, "model");
        WorldWriter.Write(KnowledgeWorld.Generate(WorldOptions.Small(7)), worldDir);
        var options = new WorldModelTrainer.Options { Hidden = 16, Layers = 1, Heads = 2, Steps = 6, BatchSize = 4, CheckpointFractions = [0.5, 1.0] };
        var result = WorldModelTrainer.Train(worldDir, outDir, arch, options);
        Assert.Equal((outDir, 6, false), (result.Folder, result.Steps, result.Reused));
        bool masked = arch == ModelArchitecture.Bert;

        var checkpoints = Directory.GetDirectories(Path.Combine(outDir, CheckpointSchedule.Folder)).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["step-000003", "step-000006"], checkpoints);
        var finalFiles = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToList();
        foreach (var name in checkpoints)
        {
            string folder = Path.Combine(outDir, CheckpointSchedule.Folder, name!);
            Assert.Equal(finalFiles, Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList());
            var model = ModelLoader.Load(folder);
            Assert.Equal(masked ? ModelKind.MaskedLM : ModelKind.CausalLM, model.Kind);
            Assert.Equal(arch.ToString().ToLowerInvariant(), model.ModelType);
            Assert.NotNull(AutoTokenizer.FromFolder(folder));
        }
        // The last checkpoint is the final model.
        Assert.Equal(File.ReadAllBytes(Path.Combine(outDir, "model.safetensors")),
                     File.ReadAllBytes(Path.Combine(outDir, CheckpointSchedule.Folder, "step-000006", "model.safetensors")));
    }

    [Fact]
    public void LlamaIntermediateSize_IsTwoThirdsOfFourHidden_RoundedUpToAMultipleOf8()
    {
        Assert.Equal(88, WorldModelTrainer.LlamaIntermediateSize(32));   // 85.3
        Assert.Equal(344, WorldModelTrainer.LlamaIntermediateSize(128)); // 341.3
        Assert.Equal(1368, WorldModelTrainer.LlamaIntermediateSize(513)); // 1368 exactly
    }

    [Fact]
    public void TinyLlama_LearnsTheWorld_AndScoresItsNextTokenLamaFacts()
    {
        using var dir = new TempDir();
        string worldDir = Path.Combine(dir.Path, "world"), outDir = Path.Combine(dir.Path, "llama");
        WorldWriter.Write(KnowledgeWorld.Generate(WorldOptions.Small(3)), worldDir);
        var losses = new List<float>();
        var options = new WorldModelTrainer.Options { Hidden = 32, Layers = 1, Heads = 2, Steps = 60, BatchSize = 16, LearningRate = 5e-3 };
        var result = WorldModelTrainer.Train(worldDir, outDir, ModelArchitecture.Llama, options, (_, _, loss) => losses.Add(loss));

        // Byte-level vocabulary of a few thousand tokens: an untrained model starts near ln(vocab); training must cut that clearly.
        Assert.True(result.FinalLoss < 0.75f * losses[0], $"loss {losses[0]} → {result.FinalLoss}");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Equal(WorldModelTrainer.LlamaIntermediateSize(32), config.RootElement.GetProperty("intermediate_size").GetInt32());

        var model = ModelLoader.Load(outDir);
        var probe = new LamaProbe(model, AutoTokenizer.FromFolder(outDir));
        var subset = probe.Run(LamaSubset.FromFolder(Path.Combine(worldDir, "lama-next-token"))).Single();
        Assert.True(subset.NFacts > 0);
        Assert.InRange(subset.MicroPAt1, 0, 1);

        // The same world and settings again: the folder is reused with its logged loss.
        var again = WorldModelTrainer.Train(worldDir, outDir, ModelArchitecture.Llama, options);
        Assert.True(again.Reused);
        Assert.Equal(result.FinalLoss, again.FinalLoss);
    }

    [Fact]
    public void Train_OnAFolderThatIsNotAWorld_NamesWhatIsMissing()
    {
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "corpus.txt"), "a sentence\n");
        Assert.Equal(["world.json", Path.Combine("tokenizer-bpe", "vocab.json")], WorldModelTrainer.MissingWorldFiles(dir.Path, ModelArchitecture.Llama));
        var e = Assert.Throws<FileNotFoundException>(() => WorldModelTrainer.Train(dir.Path, Path.Combine(dir.Path, "m"), ModelArchitecture.Bert, new()));
        Assert.Contains("world.json", e.Message);
        Assert.Contains(Path.Combine("tokenizer-wordpiece", "vocab.txt"), e.Message);
    }
}
