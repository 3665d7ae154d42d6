using MLNet.Compression.Persistence;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// The files of a tokenizer's folder, read into memory when a stage is made: the tokenizer files Hugging Face and
/// llama2.c folders hold (<see cref="HuggingFaceExporter.TokenizerFileNames"/>), and config.json and generation_config.json,
/// which <see cref="AutoTokenizer.FromFolder"/> and the model's special ids read. Saving a stage writes them back.
/// </summary>
internal sealed class TokenizerFiles
{
    private TokenizerFiles(IReadOnlyDictionary<string, byte[]> files) => Files = files;

    /// <summary>File name → bytes.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    public static IEnumerable<string> Names => HuggingFaceExporter.TokenizerFileNames.Append("config.json").Append("generation_config.json");

    /// <summary>The files of the folder <paramref name="tokenizer"/> was read from.</summary>
    public static TokenizerFiles Of(Tokenizer tokenizer, string stage)
    {
        string folder = tokenizer.SourceFolder
            ?? throw new ArgumentException($"{stage}: the tokenizer was not read from a folder, so it could not be saved with the pipeline; load it with AutoTokenizer.FromFolder.");
        return FromFolder(folder);
    }

    public static TokenizerFiles FromFolder(string folder)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in Names)
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path)) files[name] = File.ReadAllBytes(path);
        }
        if (files.Keys.All(n => n is "config.json" or "generation_config.json"))
            throw new FileNotFoundException($"{folder}: no tokenizer file (looked for {string.Join(", ", HuggingFaceExporter.TokenizerFileNames)}).");
        return new TokenizerFiles(files);
    }

    /// <summary>Writes the files into <paramref name="folder"/>; config.json only when <paramref name="withConfig"/>.</summary>
    public void WriteTo(string folder, bool withConfig)
    {
        foreach (var (name, bytes) in Files)
            if (withConfig || name != "config.json") File.WriteAllBytes(Path.Combine(folder, name), bytes);
    }
}
