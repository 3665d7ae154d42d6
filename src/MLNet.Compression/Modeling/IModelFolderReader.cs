namespace MLNet.Compression.Modeling;

/// <summary>
/// A kind of model folder that <see cref="ModelLoader.Load"/> opens besides plain Hugging Face checkpoints (the compressed
/// model folder registers one), so the loader needs no knowledge of the code that writes such folders.
/// </summary>
public interface IModelFolderReader
{
    /// <summary>True when <paramref name="folder"/> is this reader's kind (e.g. it holds manifest.json).</summary>
    bool CanRead(string folder);

    LanguageModel Read(string folder);
}
