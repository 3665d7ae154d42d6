using System.Collections.Concurrent;
using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Turns text into token ids and back, as the model's Hugging Face tokenizer does. It is a Microsoft.ML.Tokenizers
/// <see cref="Microsoft.ML.Tokenizers.Tokenizer"/>, so it goes wherever an app takes one, and adds what evaluators need:
/// the model's special tokens, the mask token, T5 sentinels, pair encoding with token type ids, truncation.
/// </summary>
/// <remarks>
/// <para>Through the Microsoft.ML.Tokenizers members (<c>EncodeToIds</c>, <c>EncodeToTokens</c>, <c>CountTokens</c>,
/// <c>GetIndexByTokenCount</c>, <c>Decode</c> on a variable of that type):</para>
/// <list type="bullet">
/// <item>the result is the model input for one text, the model's special tokens included (BERT <c>[CLS] … [SEP]</c>,
/// RoBERTa <c>&lt;s&gt; … &lt;/s&gt;</c>, T5 <c>… &lt;/s&gt;</c>, Llama <c>&lt;s&gt; …</c>; GPT-2 adds none), as Hugging Face's
/// <c>tokenizer(text)</c> gives it; added tokens sit at an empty range where they were inserted.</item>
/// <item>offsets, <c>charsConsumed</c> and the index <c>GetIndexByTokenCount</c> returns count characters of the text passed
/// in: <c>normalizedText</c> is always null, however the model normalizes.</item>
/// <item><c>MaxTokenCount</c> (the <c>maxTokenCount</c> overloads) keeps whole words, as Microsoft.ML.Tokenizers' own
/// tokenizers do: the result holds the special tokens and the longest run of words, from the start (or, for
/// <c>GetIndexByTokenCountFromEnd</c>, the end), whose tokens fit; a word is what the model's pre-tokenization makes
/// (BERT: a word or punctuation mark; byte-level BPE: a GPT-2 pattern match; SentencePiece: a run from one "▁" piece to
/// the next) and an added token is a word of its own. Fewer tokens than the special tokens need give nothing.
/// Hugging Face's truncation, which may cut inside a word, is <see cref="EncodeToIds(string, int, bool)"/> and
/// <see cref="Encode"/>.</item>
/// <item><c>ConsiderNormalization = false</c> skips the model's normalization, for text that is normalized already:
/// BERT's dropping of control characters, spaces around CJK ideographs, NFC, lower-casing and accent stripping (what
/// Hugging Face's fast <c>BertNormalizer</c> does), ALBERT's lower-casing, accent stripping and quote mapping,
/// SentencePiece's precompiled character map, a tokenizer.json normalizer. Byte-level BPE and llama2.c have none.
/// Whitespace handling that is part of the model (SentencePiece's "▁") stays.</item>
/// <item><c>ConsiderPreTokenization = false</c> hands each text between added tokens to the model as one word: BERT skips
/// its split on whitespace and punctuation (so WordPiece sees the whole text), byte-level BPE skips GPT-2's
/// pattern (the bytes are still mapped), a tokenizer.json skips its splitting pre-tokenizers (keeping ByteLevel's byte
/// mapping and Metaspace's "▁"). SentencePiece and llama2.c have no pre-tokenization.</item>
/// <item><c>Decode(ids)</c> skips special tokens and applies <see cref="CleanUpTokenizationSpaces"/>, as
/// <see cref="Decode(IEnumerable{int}, bool)"/> with true does.</item>
/// </list>
/// <para>This type's own overloads take <c>addSpecialTokens</c> where Microsoft.ML.Tokenizers' take
/// <c>considerPreTokenization</c> (as Microsoft.ML.Tokenizers' BertTokenizer does): <c>EncodeToIds(text, false)</c> on a
/// variable of this type leaves the special tokens out.</para>
/// </remarks>
public abstract class Tokenizer : Microsoft.ML.Tokenizers.Tokenizer
{
    // Concurrent: ML.NET's cursor splitter encodes rows on several threads through one tokenizer.
    private ConcurrentDictionary<string, int?>? _specialIdCache;

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

    /// <summary>
    /// Tokenizes <paramref name="text"/> without special tokens, appending tokens with offsets into it to
    /// <paramref name="output"/>, honouring its normalization and pre-tokenization switches and marking where words start.
    /// </summary>
    protected abstract void EncodeCore(string text, TokenBuffer output);

    /// <summary>Turns ids back into text.</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="skipSpecialTokens">Drop the model's special tokens (the evaluators' default).</param>
    /// <param name="cleanUpTokenizationSpaces">Override <see cref="CleanUpTokenizationSpaces"/>.</param>
    public abstract string Decode(IEnumerable<int> ids, bool skipSpecialTokens, bool? cleanUpTokenizationSpaces);

    /// <summary>Turns ids back into text, keeping or dropping special tokens.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens) => Decode(ids, skipSpecialTokens, null);

    /// <summary>Turns ids back into text, skipping special tokens.</summary>
    public override string Decode(IEnumerable<int> ids) => Decode(ids, true, null);

    /// <summary>
    /// Writes the text of <paramref name="ids"/> (special tokens skipped) to <paramref name="destination"/>. When it does
    /// not fit, writes the text of the longest run of leading ids whose text fits and returns
    /// <see cref="OperationStatus.DestinationTooSmall"/>; <paramref name="idsConsumed"/> says how many ids that is.
    /// </summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyList<int> ?? ids.ToList();
        string text = Decode(list);
        if (text.Length <= destination.Length)
        {
            text.CopyTo(destination);
            (idsConsumed, charsWritten) = (list.Count, text.Length);
            return OperationStatus.Done;
        }
        // Text grows with the ids taken, so a binary search finds the longest run that fits; byte-level tokens may end in
        // the middle of a character, which decodes to U+FFFD, so each candidate is decoded on its own.
        int lo = 0, hi = list.Count - 1;
        string best = "";
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            string t = Decode(list.Take(mid));
            if (t.Length <= destination.Length) { lo = mid; best = t; }
            else hi = mid - 1;
        }
        if (best.Length == 0 && lo > 0) best = Decode(list.Take(lo));
        best.CopyTo(destination);
        (idsConsumed, charsWritten) = (lo, best.Length);
        return OperationStatus.DestinationTooSmall;
    }

    /// <summary>Encodes text to ids, with or without the model's special tokens (<c>EncodeToIds(text)</c> adds them).</summary>
    public IReadOnlyList<int> EncodeToIds(string text, bool addSpecialTokens) => EncodeIds(text, addSpecialTokens);

    /// <summary>
    /// Encodes text to ids cut to <paramref name="maxTokenCount"/> as Hugging Face's <c>truncation=True</c> does: special
    /// tokens count, and the cut may fall inside a word. (The Microsoft.ML.Tokenizers overload with <c>out</c> parameters
    /// keeps words whole.)
    /// </summary>
    public IReadOnlyList<int> EncodeToIds(string text, int maxTokenCount, bool addSpecialTokens = true) =>
        Encode(text, null, addSpecialTokens, truncation: true, maxLength: maxTokenCount).Ids;

    /// <summary>Encodes text to tokens with their character offsets.</summary>
    public IReadOnlyList<EncodedToken> EncodeToTokens(string text, bool addSpecialTokens = true)
    {
        var tokens = EncodeSequence(text);
        return addSpecialTokens ? PostProcessor.ApplySingle(tokens) : tokens;
    }

    /// <summary>The token strings of <paramref name="text"/> without special tokens (Hugging Face's <c>tokenize</c>).</summary>
    public IReadOnlyList<string> Tokenize(string text) => EncodeSequence(text).ConvertAll(t => t.Value);

    /// <summary>How many tokens <paramref name="text"/> encodes to, with or without special tokens (<c>CountTokens(text)</c> counts them).</summary>
    public int CountTokens(string text, bool addSpecialTokens) => EncodeIds(text, addSpecialTokens).Count;

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

    /// <summary>Tokens of one text without special tokens.</summary>
    internal List<EncodedToken> EncodeSequence(string text) => Run(text, new TokenBuffer()).Tokens;

    /// <summary>The ids of one text, the single-text template's special tokens written around them without a second pass.</summary>
    private List<int> EncodeIds(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        // About four characters a token in English text; the list grows if not.
        var ids = new List<int>(text.Length / 4 + 8);
        if (addSpecialTokens) PostProcessor.AddLeadingIds(ids);
        int textStart = ids.Count;
        Run(text, new TokenBuffer(ids));
        if (addSpecialTokens) PostProcessor.AddTrailingIds(ids, textStart);
        return ids;
    }

    /// <summary>Encodes into <paramref name="output"/>; lone surrogates are read as U+FFFD so no input can crash.</summary>
    private TokenBuffer Run(string text, TokenBuffer output)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0) EncodeCore(TextRules.ReplaceLoneSurrogates(text), output);
        return output;
    }

    private static List<int> Ids(List<EncodedToken> tokens)
    {
        var ids = new List<int>(tokens.Count);
        foreach (var t in tokens) ids.Add(t.Id);
        return ids;
    }

    /// <inheritdoc />
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (tokens, consumed) = EncodeWithin(text ?? textSpan.ToString(), settings);
        return new EncodeResults<EncodedToken> { Tokens = tokens, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string s = text ?? textSpan.ToString();
        if (settings.MaxTokenCount == int.MaxValue && settings.ConsiderNormalization && settings.ConsiderPreTokenization)
            return new EncodeResults<int> { Tokens = EncodeIds(s, addSpecialTokens: true), NormalizedText = null, CharsConsumed = s.Length };
        var (tokens, consumed) = EncodeWithin(s, settings);
        return new EncodeResults<int> { Tokens = Ids(tokens), NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        string s = text ?? textSpan.ToString();
        if (settings.MaxTokenCount == int.MaxValue && settings.ConsiderNormalization && settings.ConsiderPreTokenization)
            return CountTokens(s, addSpecialTokens: true);
        return EncodeWithin(s, settings).Tokens.Count;
    }

    /// <inheritdoc />
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedText, out int tokenCount)
    {
        string s = text ?? textSpan.ToString();
        int max = CheckedMax(settings);
        normalizedText = null;
        var output = Run(s, new TokenBuffer(settings.ConsiderNormalization, settings.ConsiderPreTokenization, trackWords: true));
        var tokens = output.Tokens;
        if (NoRoom(tokens, max))
        {
            tokenCount = 0;
            return fromEnd ? s.Length : 0;
        }
        var (from, to) = fromEnd ? FitFromEnd(output, max) : Fit(output, max);
        var kept = tokens.GetRange(from, to - from);
        tokenCount = kept.Count + PostProcessor.CountAdded(kept);
        if (from == 0 && to == tokens.Count) return fromEnd ? 0 : s.Length;
        if (!fromEnd) return EndOf(kept);
        return from == tokens.Count ? s.Length : tokens[from].Start;
    }

    /// <summary>Tokens of one text with special tokens, as many whole words as <see cref="EncodeSettings.MaxTokenCount"/> allows.</summary>
    private (List<EncodedToken> Tokens, int CharsConsumed) EncodeWithin(string text, EncodeSettings settings)
    {
        int max = CheckedMax(settings);
        bool limited = max != int.MaxValue;
        var output = Run(text, new TokenBuffer(settings.ConsiderNormalization, settings.ConsiderPreTokenization, trackWords: limited));
        var tokens = output.Tokens;
        if (!limited) return (PostProcessor.ApplySingle(tokens), text.Length);
        if (NoRoom(tokens, max)) return ([], 0);
        var (_, to) = Fit(output, max);
        if (to == tokens.Count) return (PostProcessor.ApplySingle(tokens), text.Length);
        var head = tokens.GetRange(0, to);
        return (PostProcessor.ApplySingle(head), EndOf(head));
    }

    /// <summary>Whether <paramref name="max"/> leaves no room even for the special tokens (then nothing is returned).</summary>
    private bool NoRoom(List<EncodedToken> tokens, int max) =>
        max < PostProcessor.CountAdded(false) && tokens.Count + PostProcessor.CountAdded(tokens) > max;

    private static int CheckedMax(EncodeSettings settings) =>
        settings.MaxTokenCount > 0 ? settings.MaxTokenCount
            : throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxTokenCount, "MaxTokenCount must be greater than zero.");

    /// <summary>[0, to): the most leading whole words whose tokens and the special tokens fit in <paramref name="max"/>.</summary>
    private (int From, int To) Fit(TokenBuffer output, int max)
    {
        var tokens = output.Tokens;
        if (tokens.Count + PostProcessor.CountAdded(tokens) <= max) return (0, tokens.Count);
        int budget = max - PostProcessor.CountAdded(false);
        int to = 0;
        foreach (int w in output.WordStarts)
        {
            if (w > budget) break;
            to = w;
        }
        return (0, to);
    }

    /// <summary>[from, count): the most trailing whole words whose tokens and the special tokens fit in <paramref name="max"/>.</summary>
    private (int From, int To) FitFromEnd(TokenBuffer output, int max)
    {
        var tokens = output.Tokens;
        if (tokens.Count + PostProcessor.CountAdded(tokens) <= max) return (0, tokens.Count);
        int budget = max - PostProcessor.CountAdded(false);
        int from = tokens.Count;
        var starts = output.WordStarts;
        for (int k = starts.Count - 1; k >= 0 && tokens.Count - starts[k] <= budget; k--) from = starts[k];
        return (from, tokens.Count);
    }

    private static int EndOf(List<EncodedToken> tokens)
    {
        int end = 0;
        foreach (var t in tokens) end = Math.Max(end, t.End);
        return end;
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
        var cache = _specialIdCache ??= new(StringComparer.Ordinal);
        return cache.GetOrAdd(token, TokenToId);
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
