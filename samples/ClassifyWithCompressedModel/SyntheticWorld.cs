using MLNet.Compression.Synthetic;

namespace ClassifyWithCompressedModel;

/// <summary>
/// A language model that knows facts without a download: a fictional world with known answers, and a small masked LM
/// trained on its corpus. Swap this for your own model folder (ModelLoader.Load reads Hugging Face checkpoints).
/// </summary>
public sealed record SyntheticWorld(KnowledgeWorld World, string ModelDir)
{
    /// <summary>A small world and a 2-layer, 64-wide BERT trained on it under <paramref name="outDir"/>; a second run reuses the model.</summary>
    public static SyntheticWorld Create(string outDir)
    {
        // Every fact stated 20 times (no power law): a model this small learns only what it reads often, and a fact it
        // never learnt cannot be told from a false one.
        var world = KnowledgeWorld.Generate(WorldOptions.Small(seed: 1) with { People = 40, ZipfExponent = 0, MaxRepeats = 20 });
        string worldDir = Path.Combine(outDir, "world"), modelDir = Path.Combine(outDir, "masked-lm");
        WorldWriter.Write(world, worldDir);
        var options = new WorldModelTrainer.Options { Hidden = 64, Layers = 2, Steps = 4000, LearningRate = 5e-3 };
        var trained = WorldModelTrainer.Train(worldDir, modelDir, ModelArchitecture.Bert, options);
        Console.WriteLine(trained.Reused
            ? $"masked LM: reused {modelDir}"
            : $"masked LM: trained {trained.Steps} steps in {trained.Seconds:F0} s (loss {trained.FinalLoss:F2}) into {modelDir}");
        return new SyntheticWorld(world, modelDir);
    }
}
