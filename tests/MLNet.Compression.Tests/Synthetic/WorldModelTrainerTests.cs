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
    [InlineData(true)]
    [InlineData(false)]
    public void Checkpoints_AreCompleteModelFolders_ThatLoad(bool masked)
    {
        using var dir = new TempDir();
        string worldDir = Path.Combine(dir.Path, "world"), outDir = Path.Combine(dir.Path, "model");
        WorldWriter.Write(KnowledgeWorld.Generate(WorldOptions.Small(7)), worldDir);
        var options = new WorldModelTrainer.Options { Hidden = 16, Layers = 1, Heads = 2, Steps = 6, BatchSize = 4, CheckpointFractions = [0.5, 1.0] };
        if (masked) WorldModelTrainer.TrainMaskedLm(worldDir, outDir, options);
        else WorldModelTrainer.TrainCausalLm(worldDir, outDir, options);

        var checkpoints = Directory.GetDirectories(Path.Combine(outDir, CheckpointSchedule.Folder)).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["step-000003", "step-000006"], checkpoints);
        var finalFiles = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToList();
        foreach (var name in checkpoints)
        {
            string folder = Path.Combine(outDir, CheckpointSchedule.Folder, name!);
            Assert.Equal(finalFiles, Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList());
            var model = ModelLoader.Load(folder);
            Assert.Equal(masked ? ModelKind.MaskedLM : ModelKind.CausalLM, model.Kind);
            Assert.NotNull(AutoTokenizer.FromFolder(folder));
        }
        // The last checkpoint is the final model.
        Assert.Equal(File.ReadAllBytes(Path.Combine(outDir, "model.safetensors")),
                     File.ReadAllBytes(Path.Combine(outDir, CheckpointSchedule.Folder, "step-000006", "model.safetensors")));
    }
}
