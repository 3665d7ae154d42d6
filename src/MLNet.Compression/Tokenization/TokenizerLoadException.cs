namespace MLNet.Compression.Tokenization;

/// <summary>
/// A vocabulary, merges, SentencePiece model, tokenizer.json or llama2.c tokenizer file is missing or malformed.
/// The message names the file and what is wrong with it. (It derives from IOException because
/// System.IO.InvalidDataException is sealed.)
/// </summary>
public sealed class TokenizerLoadException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public TokenizerLoadException(string path, string problem, Exception? inner = null)
        : base($"Cannot load tokenizer file '{path}': {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file (or folder) that could not be loaded.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
