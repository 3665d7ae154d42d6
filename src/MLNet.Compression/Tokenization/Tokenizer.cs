using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Turns text into token ids and back, as the model's Hugging Face tokenizer does. Shaped like Microsoft.ML.Tokenizers'
/// <c>Tokenizer</c> (EncodeToIds, EncodeToTokens, Decode, CountTokens) plus what evaluators need: the model's special
/// tokens, the mask token, T5 sentinels, pair encoding with token type ids and truncation.
/// </summary>
public abstract class Tokenizer
{
    private Dictionary<string, int?>? _specialIdCache;

    /// <summary>The model's named special tokens.</summary>
    public SpecialTokens SpecialTokens { get; protected set; } = new();

    /// <summary>How special tokens are added around one text or a pair.</summary>
    public TemplatePostProcessor PostProcessor { get; protected set; } = TemplatePostProcessor.None;

    /// <summary>The longest input the model accepts (tokenizer_config.json <c>model_max_length</c>); int.MaxValue if unknown.</summary>
    public int ModelMaxLength { get; set; } = int.MaxValue;

    /// <summary>
    /// The folder <see cref="AutoTokenizer.FromFolder"/> read this tokenizer from; null for a tokenizer built in code. Code
    /// that stores a tokenizer beside a model (MLNet.Compression.ML's model.zip stages) copies its files from here.
    /// </summary>
    public string? SourceFolder { get; internal set; }

    /// <summary>Whether <see cref="Decode(IEnumerable{int}, bool)"/> removes the spaces before punctuation that word-level tokenizers leave (transformers 4.36 default: true).</summary>
    public bool CleanUpTokenizationSpaces { get; set; } = true;

    /// <summary>The number of ids, added tokens included (Python's <c>len(tokenizer)</c>).</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The id of a token string, or null when the vocabulary does not hold it.</summary>
    public abstract int? TokenToId(string token);

    /// <summary>The token string of an id, or null when out of range.</summary>
    public abstract string? IdToToken(int id);

    /// <summary>Tokenizes <paramref name="text"/> without special tokens, appending tokens with offsets into it.</summary>
    protected abstract void EncodeCore(string text, List<EncodedToken> output);

    /// <summary>Turns ids back into text.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Drop the model's special tokens (the evaluators' default).</param>
    /// <param name="cleanUpTokenizationSpaces">Override <see cref="CleanUpTokenizationSpaces"/>.</param>
    public abstract string Decode(IEnumerable<int> ids, bool skipSpecialTokens, bool? cleanUpTokenizationSpaces);

    /// <summary>Turns ids back into text, skipping special tokens.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true) => Decode(ids, skipSpecialTokens, null);

    /// <summary>Encodes text to ids, adding the model's special tokens unless told not to.</summary>
    public IReadOnlyList<int> EncodeToIds(string text, bool addSpecialTokens = true) => Encode(text, null, addSpecialTokens).Ids;

    /// <summary>Encodes text to ids, truncated to <paramref name="maxTokenCount"/> (special tokens count).</summary>
    public IReadOnlyList<int> EncodeToIds(string text, int maxTokenCount, bool addSpecialTokens = true) =>
        Encode(text, null, addSpecialTokens, truncation: true, maxLength: maxTokenCount).Ids;

    /// <summary>Encodes text to tokens with their character offsets.</summary>
    public IReadOnlyList<EncodedToken> EncodeToTokens(string text, bool addSpecialTokens = true) => Encode(text, null, addSpecialTokens).Tokens;

    /// <summary>The token strings of <paramref name="text"/> without special tokens (Hugging Face's <c>tokenize</c>).</summary>
    public IReadOnlyList<string> Tokenize(string text) => EncodeSequence(text).ConvertAll(t => t.Value);

    /// <summary>How many tokens <paramref name="text"/> encodes to.</summary>
    public int CountTokens(string text, bool addSpecialTokens = true) =>
        EncodeSequence(text).Count + (addSpecialTokens ? PostProcessor.CountAdded(false) : 0);

    /// <summary>
    /// Encodes one text or a pair into model input. With <paramref name="truncation"/>, the result is cut to
    /// <paramref name="maxLength"/> (default <see cref="ModelMaxLength"/>) counting special tokens; a pair is cut
    /// longest-first, one token at a time, as Hugging Face's default strategy does.
    /// </summary>
    public EncodedInput Encode(string text, string? textPair = null, bool addSpecialTokens = true, bool truncation = false, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var a = EncodeSequence(text);
        var b = textPair is null ? null : EncodeSequence(textPair);
        if (truncation || maxLength is not null)
        {
            int limit = maxLength ?? ModelMaxLength;
            int budget = limit - (addSpecialTokens ? PostProcessor.CountAdded(b is not null) : 0);
            if (budget < 0) budget = 0;
            if (b is null)
            {
                if (a.Count > budget) a.RemoveRange(budget, a.Count - budget);
            }
            else
            {
                // transformers' truncate_sequences, strategy longest_first: drop from the longer, ties from the second.
                while (a.Count + b.Count > budget)
                {
                    if (a.Count > b.Count) a.RemoveAt(a.Count - 1);
                    else b.RemoveAt(b.Count - 1);
                }
            }
        }
        var processor = addSpecialTokens ? PostProcessor : TemplatePostProcessor.None;
        return processor.Apply(a, b);
    }

    /// <summary>Tokens of one text without special tokens; lone surrogates are read as U+FFFD so no input can crash.</summary>
    internal List<EncodedToken> EncodeSequence(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<EncodedToken>();
        if (text.Length == 0) return output;
        EncodeCore(TextRules.ReplaceLoneSurrogates(text), output);
        return output;
    }

    /// <summary>The mask token (<c>[MASK]</c>, <c>&lt;mask&gt;</c>) or null.</summary>
    public string? MaskToken => SpecialTokens.Mask;

    /// <summary>The mask token's id or null.</summary>
    public int? MaskTokenId => SpecialId(SpecialTokens.Mask);

    /// <summary>The beginning-of-sequence id or null.</summary>
    public int? BosTokenId => SpecialId(SpecialTokens.Bos);

    /// <summary>The end-of-sequence id or null.</summary>
    public int? EosTokenId => SpecialId(SpecialTokens.Eos);

    /// <summary>The padding id or null.</summary>
    public int? PadTokenId => SpecialId(SpecialTokens.Pad);

    /// <summary>The unknown-token id or null.</summary>
    public int? UnkTokenId => SpecialId(SpecialTokens.Unk);

    /// <summary>The separator id or null.</summary>
    public int? SepTokenId => SpecialId(SpecialTokens.Sep);

    /// <summary>The classifier-token id or null.</summary>
    public int? ClsTokenId => SpecialId(SpecialTokens.Cls);

    /// <summary>The id of T5's sentinel <c>&lt;extra_id_n&gt;</c>, or null when the vocabulary has none.</summary>
    public int? GetSentinelTokenId(int n) => TokenToId($"<extra_id_{n}>");

    /// <summary>The sentinel token text <c>&lt;extra_id_n&gt;</c>.</summary>
    public static string SentinelToken(int n) => $"<extra_id_{n}>";

    /// <summary>Ids of every special token.</summary>
    public IReadOnlySet<int> AllSpecialIds => _allSpecialIds ??= SpecialTokens.All.Select(TokenToId).Where(i => i is not null).Select(i => i!.Value).ToHashSet();

    private HashSet<int>? _allSpecialIds;

    /// <summary>Forget cached special ids after <see cref="SpecialTokens"/> changed.</summary>
    protected void InvalidateSpecialCache()
    {
        _allSpecialIds = null;
        _specialIdCache = null;
    }

    private int? SpecialId(string? token)
    {
        if (token is null) return null;
        _specialIdCache ??= new();
        if (!_specialIdCache.TryGetValue(token, out var id))
            _specialIdCache[token] = id = TokenToId(token);
        return id;
    }

    /// <summary>
    /// transformers' <c>clean_up_tokenization</c>: removes the spaces a word-level decode leaves before punctuation and
    /// English contractions (tokenization_utils_base.py).
    /// </summary>
    public static string CleanUpTokenization(string text)
    {
        if (text.IndexOf(' ') < 0) return text;
        var sb = new StringBuilder(text);
        sb.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
          .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
        return sb.ToString();
    }
}
