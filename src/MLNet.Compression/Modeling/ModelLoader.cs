using MLNet.Compression.IO;
using MLNet.Compression.Modeling.Llama;

namespace MLNet.Compression.Modeling;

/// <summary>Builds one family's model from its config and weights.</summary>
public interface IModelFamily
{
    /// <summary>The config.json model_type values this family reads.</summary>
    IReadOnlyList<string> ModelTypes { get; }

    LanguageModel Load(ConfigJson config, ITensorSource weights);
}

/// <summary>
/// Opens a Hugging Face model folder (config.json + safetensors) or a llama2.c checkpoint and returns the family's model,
/// chosen by config.json "model_type" as AutoModel does.
/// </summary>
public static class ModelLoader
{
    private static readonly Dictionary<string, IModelFamily> Families = new(StringComparer.Ordinal);
    private static readonly List<IModelFolderReader> FolderReaders = new();

    static ModelLoader()
    {
        foreach (var f in ModelFamilies.All) Register(f);
    }

    public static void Register(IModelFamily family)
    {
        foreach (var t in family.ModelTypes) Families[t] = family;
    }

    /// <summary>Adds a kind of folder that <see cref="Load"/> tries before reading config.json (first registered, first tried).</summary>
    public static void RegisterFolderReader(IModelFolderReader reader)
    {
        lock (FolderReaders) FolderReaders.Add(reader);
    }

    public static IReadOnlyCollection<string> SupportedModelTypes => Families.Keys;

    /// <summary>Loads the model in <paramref name="path"/> (a folder, a compressed model folder with manifest.json, or a llama2.c .bin file or a folder holding one).</summary>
    public static LanguageModel Load(string path)
    {
        if (File.Exists(path) && Llama2CCheckpoint.LooksLikeOne(path)) return Llama2CCheckpoint.Load(path);
        if (!Directory.Exists(path)) throw new CheckpointException(path, null, "no such model folder.");
        IModelFolderReader[] readers;
        lock (FolderReaders) readers = FolderReaders.ToArray();
        foreach (var reader in readers)
            if (reader.CanRead(path)) return reader.Read(path);
        string configPath = Path.Combine(path, "config.json");
        if (!File.Exists(configPath) && SentenceTransformerLayout.TransformerSubfolder(path) is { } module && Directory.Exists(module)) return Load(module);
        if (!File.Exists(configPath) && Llama2CCheckpoint.FindIn(path) is { } bin) return Llama2CCheckpoint.Load(bin);
        var config = ConfigJson.Load(configPath);
        var family = FamilyOf(config);
        using var weights = SafeTensorsCheckpoint.Open(path);
        return family.Load(config, weights);
    }

    /// <summary>A randomly initialised model of the config's family and shapes (Hugging Face's from_config).</summary>
    public static LanguageModel CreateRandom(ConfigJson config, int seed = 0, float std = 0.02f)
        => FamilyOf(config).Load(config, new RandomWeights(seed, std));

    public static IModelFamily FamilyOf(ConfigJson config)
    {
        string type = config.StringOrNull("model_type")
            ?? throw config.Missing("model_type", "a model type such as \"bert\", \"gpt2\" or \"t5\"");
        return Families.TryGetValue(type, out var f) ? f
            : throw new CheckpointException(config.Path, "model_type",
                $"unknown model type \"{type}\" (supported: {string.Join(", ", Families.Keys.Order(StringComparer.Ordinal))}).");
    }
}
