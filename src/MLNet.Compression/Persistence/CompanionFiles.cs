using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;

namespace MLNet.Compression.Persistence;

/// <summary>
/// The files a model folder carries beside its weights and config: the tokenizer's (and generation_config.json where
/// asked), and a sentence-transformers model's modules (modules.json, its config files, the Pooling, Dense and Normalize
/// folders), so a compressed or exported copy tokenizes and encodes sentences as its source does. From an older
/// sentence-transformers folder, whose Transformer module (tokenizer included) sits in a subfolder, the tokenizer files
/// come from that subfolder and the copy's modules.json puts the module at the copy's root, where its weights now are.
/// </summary>
internal sealed class CompanionFiles
{
    private readonly string _root;
    private readonly string _tokenizerFolder;
    private readonly bool _moduleMoved;

    private CompanionFiles(string root, string tokenizerFolder, IReadOnlyList<string> tokenizerNames, IReadOnlyList<string> moduleNames)
    {
        _root = root;
        _tokenizerFolder = tokenizerFolder;
        _moduleMoved = !string.Equals(Path.GetFullPath(root), Path.GetFullPath(tokenizerFolder), StringComparison.Ordinal);
        TokenizerNames = tokenizerNames;
        ModuleNames = moduleNames;
    }

    /// <summary>Tokenizer file names, relative to the copy's root.</summary>
    public IReadOnlyList<string> TokenizerNames { get; }

    /// <summary>sentence-transformers files, relative to the copy's root.</summary>
    public IReadOnlyList<string> ModuleNames { get; }

    /// <summary>Every file the copy gets, relative to its root.</summary>
    public IEnumerable<string> Names => TokenizerNames.Concat(ModuleNames);

    /// <summary>The companions of <paramref name="folder"/>; none when it is null or not a folder.</summary>
    public static CompanionFiles Of(string? folder, bool withGenerationConfig)
    {
        if (folder is null || !Directory.Exists(folder)) return new CompanionFiles(".", ".", [], []);
        string tokenizerFolder = SentenceTransformerLayout.TransformerSubfolder(folder) is { } module && Directory.Exists(module) ? module : folder;
        var names = withGenerationConfig ? HuggingFaceExporter.TokenizerFileNames.Append("generation_config.json") : HuggingFaceExporter.TokenizerFileNames;
        return new CompanionFiles(folder, tokenizerFolder, names.Where(n => File.Exists(Path.Combine(tokenizerFolder, n))).ToList(),
                                  SentenceTransformerConfig.ModuleFiles(folder));
    }

    /// <summary>Copies every companion into <paramref name="destination"/>.</summary>
    public void CopyTo(string destination)
    {
        foreach (var n in TokenizerNames) Copy(Path.Combine(_tokenizerFolder, n), Path.Combine(destination, n));
        foreach (var n in ModuleNames)
        {
            string to = Path.Combine(destination, n);
            if (_moduleMoved && n == SentenceTransformerLayout.ModulesFile)
                AtomicFile.WriteAllText(to, SentenceTransformerLayout.ModulesWithTransformerAtRoot(_root));
            else Copy(Path.Combine(_root, n), to);
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }
}
