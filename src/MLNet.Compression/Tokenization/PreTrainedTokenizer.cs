using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// The shared path of transformers' slow (Python) tokenizers: split on added tokens, tokenize each remaining piece
/// with the model, map tokens to ids; decode by joining token strings the model's way, with added tokens kept apart
/// and <c>clean_up_tokenization</c> (transformers tokenization_utils.py, <c>tokenize</c> and <c>_decode</c>).
/// </summary>
public abstract class PreTrainedTokenizer : Tokenizer
{
    private readonly Dictionary<string, AddedToken> _addedByContent = new(StringComparer.Ordinal);
    private readonly Dictionary<int, AddedToken> _addedById = new();
    private AddedTokenMatcher? _matcher;

    /// <summary>The added tokens, keyed by id.</summary>
    public IReadOnlyDictionary<int, AddedToken> AddedTokens => _addedById;

    /// <summary>The model's own vocabulary size, without added tokens beyond it.</summary>
    public abstract int BaseVocabularySize { get; }

    /// <inheritdoc />
    public override int VocabularySize
    {
        get
        {
            int extra = _addedById.Keys.Count(id => id >= BaseVocabularySize);
            return BaseVocabularySize + extra;
        }
    }

    /// <summary>Registers an added token; later tokens with the same content replace earlier ones.</summary>
    public void AddToken(AddedToken token)
    {
        if (_addedByContent.TryGetValue(token.Content, out var old)) _addedById.Remove(old.Id);
        _addedByContent[token.Content] = token;
        _addedById[token.Id] = token;
        _matcher = null;
        InvalidateSpecialCache();
    }

    /// <summary>Registers each special token that the vocabulary holds as an added token (as transformers does on load).</summary>
    protected void AddSpecialTokensFromVocabulary()
    {
        foreach (var t in SpecialTokens.All)
        {
            if (_addedByContent.ContainsKey(t)) continue;
            var id = ModelTokenToId(t);
            if (id is not null) AddToken(new AddedToken(t, id.Value));
        }
    }

    /// <summary>The model's id for a token string, without added tokens; null when not in the vocabulary.</summary>
    protected abstract int? ModelTokenToId(string token);

    /// <summary>The model's token string for an id, without added tokens.</summary>
    protected abstract string? ModelIdToToken(int id);

    /// <summary>
    /// Tokenizes text[start..end) (no added tokens inside), appending tokens with offsets into text and marking where
    /// words start, with the normalization and pre-tokenization <paramref name="output"/> asks for.
    /// </summary>
    protected abstract void TokenizeSegment(string text, int start, int end, TokenBuffer output);

    /// <summary>The model's <c>convert_tokens_to_string</c>.</summary>
    protected abstract string ConvertTokensToString(List<string> tokens);

    /// <inheritdoc />
    public override int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var a) ? a.Id : ModelTokenToId(token);

    /// <inheritdoc />
    public override string? IdToToken(int id) =>
        _addedById.TryGetValue(id, out var a) ? a.Content : ModelIdToToken(id);

    /// <inheritdoc />
    protected override void EncodeCore(string text, TokenBuffer output)
    {
        _matcher ??= new AddedTokenMatcher(_addedByContent.Values);
        if (_matcher.IsEmpty)
        {
            TokenizeSegment(text, 0, text.Length, output);
            return;
        }
        foreach (var seg in _matcher.Split(text))
        {
            if (seg.Token is { } tok)
            {
                output.StartWord();
                output.Add(tok.Id, tok.Content, seg.Start, seg.End);
            }
            else TokenizeSegment(text, seg.Start, seg.End, output);
        }
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens, bool? cleanUpTokenizationSpaces)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var special = AllSpecialIds;
        var subTexts = new List<string>();
        var current = new List<string>();
        foreach (int id in ids)
        {
            if (skipSpecialTokens && special.Contains(id)) continue;
            string? token = IdToToken(id);
            if (token is null) continue;
            // transformers keeps non-special added tokens (and additional specials beyond the base vocabulary, e.g. T5's
            // sentinels) out of convert_tokens_to_string and joins the pieces with spaces.
            if (_addedById.TryGetValue(id, out var added) && (!IsNamedSpecial(added.Content) || (id >= BaseVocabularySize && SpecialTokens.Additional.Contains(added.Content))))
            {
                if (current.Count > 0)
                {
                    string s = ConvertTokensToString(current);
                    if (s.Length > 0) subTexts.Add(s);
                    current = new List<string>();
                }
                subTexts.Add(token);
            }
            else current.Add(token);
        }
        if (current.Count > 0) subTexts.Add(ConvertTokensToString(current));
        string text = string.Join(' ', subTexts);
        return cleanUpTokenizationSpaces ?? CleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }

    private bool IsNamedSpecial(string content) => SpecialTokens.All.Contains(content);

    /// <summary>Appends UTF-8 bytes of a string (helper for byte-level decoders).</summary>
    internal static void AppendUtf8(List<byte> bytes, string s) => bytes.AddRange(Encoding.UTF8.GetBytes(s));
}
