using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.Synthetic;

namespace MLNet.Compression.AutoSearch.Tests.Experiment;

/// <summary>A small world and a tiny masked LM trained on it (a few seconds), shared by the search tests of a class.</summary>
public sealed class TinyWorldFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("search-world-").FullName;
    public string World => Path.Combine(Root, "world");
    public string Model { get; }
    public string OtherModel { get; }
    private readonly Lazy<string> _causal;
    /// <summary>A tiny GPT-2 on the same world, trained on first use.</summary>
    public string CausalModel => _causal.Value;

    public TinyWorldFixture()
    {
        WorldWriter.Write(KnowledgeWorld.Generate(WorldOptions.Small(4)), World);
        var options = new WorldModelTrainer.Options { Hidden = 32, Layers = 2, Heads = 2, Steps = 300, LearningRate = 3e-3 };
        Model = WorldModelTrainer.Train(World, Path.Combine(Root, "mlm"), ModelArchitecture.Bert, options).Folder;
        OtherModel = WorldModelTrainer.Train(World, Path.Combine(Root, "mlm-other"), ModelArchitecture.Bert, options with { Seed = 2 }).Folder;
        _causal = new(() => WorldModelTrainer.Train(World, Path.Combine(Root, "clm"), ModelArchitecture.Gpt2, options).Folder);
    }

    public SearchDataOptions Data(bool calibration = true) => new()
    {
        LamaDir = Path.Combine(World, "lama"), CrowsFile = Path.Combine(World, "crows_pairs.csv"),
        StereoSetFiles = [Path.Combine(World, "stereoset", "intrasentence.csv")],
        CalibrationFile = calibration ? Path.Combine(World, HeldOutText.FileName) : null,
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
