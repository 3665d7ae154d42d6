namespace MLNet.Compression.Tokenization;

/// <summary>
/// What one encode call appends its tokens to, and how it runs: whether the model's normalization and
/// pre-tokenization apply (Microsoft.ML.Tokenizers' <c>EncodeSettings.ConsiderNormalization</c> and
/// <c>ConsiderPreTokenization</c>) and, when a token limit will cut the result, the index of the first token of every
/// word, so that the cut keeps words whole as Microsoft.ML.Tokenizers' own tokenizers do. A buffer made for ids only
/// keeps just the ids (the <c>EncodeToIds</c> path), so the models write every token through <see cref="Add"/>.
/// </summary>
public sealed class TokenBuffer
{
    private readonly List<EncodedToken>? _tokens;
    private readonly List<int>? _ids;
    private readonly List<int>? _wordStarts;

    internal TokenBuffer(bool normalize = true, bool preTokenize = true, bool trackWords = false)
    {
        Normalize = normalize;
        PreTokenize = preTokenize;
        _tokens = [];
        if (trackWords) _wordStarts = [];
    }

    /// <summary>A buffer that appends only the ids to <paramref name="ids"/>, with the model's normalization and pre-tokenization.</summary>
    internal TokenBuffer(List<int> ids)
    {
        Normalize = PreTokenize = true;
        _ids = ids;
    }

    /// <summary>Run the model's normalization (lower-casing, accent stripping, Unicode mapping); false when the text is already normalized.</summary>
    public bool Normalize { get; }

    /// <summary>Split the text into words before the model runs; false hands each text between added tokens to the model as one word.</summary>
    public bool PreTokenize { get; }

    /// <summary>Whether tokens (strings and offsets) are kept; false for a buffer of ids only, where values are not read.</summary>
    public bool KeepsTokens => _tokens is not null;

    /// <summary>Whether this call records where words start (only a call that may cut the result does).</summary>
    public bool TracksWords => _wordStarts is not null;

    /// <summary>The tokens appended so far, offsets into the text being encoded.</summary>
    /// <exception cref="InvalidOperationException">The buffer keeps only ids.</exception>
    public List<EncodedToken> Tokens => _tokens ?? throw new InvalidOperationException("This token buffer keeps only ids.");

    /// <summary>The ids appended to a buffer made for ids only.</summary>
    internal List<int> Ids => _ids!;

    /// <summary>Number of tokens appended so far.</summary>
    public int Count => _tokens?.Count ?? _ids!.Count;

    /// <summary>The id of token <paramref name="index"/>.</summary>
    public int IdAt(int index) => _tokens is not null ? _tokens[index].Id : _ids![index];

    /// <summary>Appends a token: its id, its string and the character range text[start..end) it came from.</summary>
    public void Add(int id, string value, int start, int end)
    {
        if (_ids is not null) _ids.Add(id);
        else _tokens!.Add(new EncodedToken(id, value, new Range(start, end)));
    }

    /// <summary>Widens the last token's range to end at <paramref name="end"/> (a fused unknown token).</summary>
    public void ExtendLast(int end)
    {
        if (_tokens is null) return;
        var last = _tokens[^1];
        _tokens[^1] = new EncodedToken(last.Id, last.Value, new Range(last.Offset.Start, end));
    }

    /// <summary>Drops the tokens from <paramref name="index"/> on (a word that falls back to the unknown token).</summary>
    public void RemoveFrom(int index)
    {
        if (_tokens is not null) _tokens.RemoveRange(index, _tokens.Count - index);
        else _ids!.RemoveRange(index, _ids.Count - index);
    }

    /// <summary>Index in <see cref="Tokens"/> of the first token of each word, ascending.</summary>
    internal IReadOnlyList<int> WordStarts => _wordStarts ?? [];

    /// <summary>Marks that the next token appended begins a word.</summary>
    public void StartWord() => _wordStarts?.Add(Count);

    /// <summary>Marks that the token at <paramref name="index"/> begins a word (for models that find words after encoding).</summary>
    public void StartWordAt(int index) => _wordStarts?.Add(index);
}
