namespace MLNet.Compression.Tokenization;

/// <summary>
/// Greedy longest-match-first WordPiece (Schuster &amp; Nakajima 2012; BERT's <c>WordpieceTokenizer</c> in
/// transformers tokenization_bert.py): a word is cut into the longest vocabulary prefix, then the longest
/// <c>##</c>-continuation, and so on; a word that cannot be covered, or longer than <see cref="MaxInputCharsPerWord"/>
/// code points, becomes the unknown token.
/// </summary>
public sealed class WordPieceModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _idToToken;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _initial;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuation;
    private readonly int _maxPieceLength;

    /// <summary>Creates the model from token → id.</summary>
    public WordPieceModel(IReadOnlyDictionary<string, int> vocab, string unkToken = "[UNK]", string continuingSubwordPrefix = "##", int maxInputCharsPerWord = 100)
    {
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        int size = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1;
        _idToToken = new string[size];
        foreach (var (t, id) in _vocab) _idToToken[id] = t;
        var cont = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (t, id) in _vocab)
            if (t.StartsWith(continuingSubwordPrefix, StringComparison.Ordinal)) cont.TryAdd(t[continuingSubwordPrefix.Length..], id);
        // A later duplicate wins in transformers' load_vocab; the continuation table keeps the id the full token maps to.
        foreach (var key in cont.Keys.ToList()) cont[key] = _vocab[continuingSubwordPrefix + key];
        _initial = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuation = cont.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxPieceLength = _vocab.Count == 0 ? 0 : _vocab.Keys.Max(k => k.Length);
        UnkToken = unkToken;
        ContinuingSubwordPrefix = continuingSubwordPrefix;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        UnkId = _vocab.TryGetValue(unkToken, out int u) ? u : -1;
    }

    /// <summary>The unknown token.</summary>
    public string UnkToken { get; }

    /// <summary>The unknown token's id (-1 if the vocabulary lacks it).</summary>
    public int UnkId { get; }

    /// <summary>The prefix marking a piece that continues a word.</summary>
    public string ContinuingSubwordPrefix { get; }

    /// <summary>Longer words (in code points) become the unknown token.</summary>
    public int MaxInputCharsPerWord { get; }

    /// <summary>Token → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _vocab;

    /// <summary>Largest id + 1.</summary>
    public int Size => _idToToken.Length;

    /// <summary>The token of an id or null.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>The id of a token or null.</summary>
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    /// <summary>Cuts one word; <paramref name="starts"/>/<paramref name="ends"/> give each char's original range.</summary>
    internal void Tokenize(string word, int[] starts, int[] ends, TokenBuffer output) =>
        Tokenize(word.AsSpan(), new CharRanges(starts, ends), output);

    /// <summary>Cuts one word that stands where it is in the text: char k came from <c>offset + k</c>.</summary>
    internal void Tokenize(ReadOnlySpan<char> word, int offset, TokenBuffer output) =>
        Tokenize(word, new ShiftedChars(offset), output);

    private void Tokenize<TOrigin>(ReadOnlySpan<char> word, TOrigin origin, TokenBuffer output) where TOrigin : struct, ICharOrigin
    {
        int codePoints = 0;
        foreach (char c in word) if (!char.IsLowSurrogate(c)) codePoints++;
        if (codePoints > MaxInputCharsPerWord)
        {
            output.Add(UnkId, UnkToken, origin.Start(0), origin.End(word.Length - 1));
            return;
        }
        int mark = output.Count;
        int start = 0;
        while (start < word.Length)
        {
            int end = Math.Min(word.Length, start + _maxPieceLength);
            if (end < word.Length && char.IsLowSurrogate(word[end]) && end > start) end--;
            int found = -1;
            while (start < end)
            {
                var piece = word[start..end];
                bool hit = start == 0 ? _initial.TryGetValue(piece, out found) : _continuation.TryGetValue(piece, out found);
                if (hit) break;
                found = -1;
                end--;
                if (end > start && char.IsLowSurrogate(word[end])) end--;
            }
            if (found < 0)
            {
                output.RemoveFrom(mark);
                output.Add(UnkId, UnkToken, origin.Start(0), origin.End(word.Length - 1));
                return;
            }
            output.Add(found, _idToToken[found], origin.Start(start), origin.End(end - 1));
            start = end;
        }
    }

    /// <summary>Where each char of a word came from in the text (a struct, so each kind gets its own compiled loop).</summary>
    private interface ICharOrigin
    {
        int Start(int i);

        int End(int i);
    }

    private readonly struct CharRanges(int[] starts, int[] ends) : ICharOrigin
    {
        public int Start(int i) => starts[i];

        public int End(int i) => ends[i];
    }

    private readonly struct ShiftedChars(int offset) : ICharOrigin
    {
        public int Start(int i) => offset + i;

        public int End(int i) => offset + i + 1;
    }
}
