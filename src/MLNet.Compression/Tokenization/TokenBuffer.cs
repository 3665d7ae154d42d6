namespace MLNet.Compression.Tokenization;

/// <summary>
/// What one encode call appends its tokens to, and how it runs: whether the model's normalization and
/// pre-tokenization apply (Microsoft.ML.Tokenizers' <c>EncodeSettings.ConsiderNormalization</c> and
/// <c>ConsiderPreTokenization</c>) and, when a token limit will cut the result, the index of the first token of every
/// word, so that the cut keeps words whole as Microsoft.ML.Tokenizers' own tokenizers do.
/// </summary>
public sealed class TokenBuffer
{
    private readonly List<int>? _wordStarts;

    internal TokenBuffer(bool normalize = true, bool preTokenize = true, bool trackWords = false)
    {
        Normalize = normalize;
        PreTokenize = preTokenize;
        if (trackWords) _wordStarts = [];
    }

    /// <summary>The tokens appended so far, offsets into the text being encoded.</summary>
    public List<EncodedToken> Tokens { get; } = [];

    /// <summary>Run the model's normalization (lower-casing, accent stripping, Unicode mapping); false when the text is already normalized.</summary>
    public bool Normalize { get; }

    /// <summary>Split the text into words before the model runs; false hands each text between added tokens to the model as one word.</summary>
    public bool PreTokenize { get; }

    /// <summary>Whether this call records where words start (only a call that may cut the result does).</summary>
    public bool TracksWords => _wordStarts is not null;

    /// <summary>Index in <see cref="Tokens"/> of the first token of each word, ascending.</summary>
    internal IReadOnlyList<int> WordStarts => _wordStarts ?? [];

    /// <summary>Marks that the next token appended begins a word.</summary>
    public void StartWord() => _wordStarts?.Add(Tokens.Count);

    /// <summary>Marks that the token at <paramref name="index"/> begins a word (for models that find words after encoding).</summary>
    public void StartWordAt(int index) => _wordStarts?.Add(index);
}
