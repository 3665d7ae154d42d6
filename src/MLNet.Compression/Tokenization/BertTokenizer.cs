using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// BERT's tokenizer (also DistilBERT's): <see cref="BasicTokenizer"/> then <see cref="WordPieceModel"/>, with
/// <c>[CLS] A [SEP] B [SEP]</c> and token type ids 0/1. Matches transformers' slow <c>BertTokenizer</c>.
/// </summary>
public sealed class BertTokenizer : PreTrainedTokenizer
{
    /// <summary>Options of a BERT tokenizer (tokenizer_config.json names in brackets).</summary>
    public sealed class Options
    {
        /// <summary>Lower-case the text [do_lower_case]. Default true.</summary>
        public bool DoLowerCase { get; init; } = true;

        /// <summary>Strip accents [strip_accents]; null (default) strips iff lower-casing.</summary>
        public bool? StripAccents { get; init; }

        /// <summary>Split CJK ideographs [tokenize_chinese_chars]. Default true.</summary>
        public bool TokenizeChineseChars { get; init; } = true;

        /// <summary>Run basic tokenization at all [do_basic_tokenize]. Default true.</summary>
        public bool DoBasicTokenize { get; init; } = true;

        /// <summary>Special tokens; defaults are BERT's [UNK] [SEP] [PAD] [CLS] [MASK].</summary>
        public SpecialTokens SpecialTokens { get; init; } = new() { Unk = "[UNK]", Sep = "[SEP]", Pad = "[PAD]", Cls = "[CLS]", Mask = "[MASK]" };

        /// <summary>Longest word WordPiece accepts (code points). Default 100.</summary>
        public int MaxInputCharsPerWord { get; init; } = 100;
    }

    /// <summary>Creates a BERT tokenizer from a token → id vocabulary.</summary>
    public BertTokenizer(IReadOnlyDictionary<string, int> vocab, Options? options = null)
    {
        options ??= new Options();
        SpecialTokens = options.SpecialTokens;
        Settings = options;
        WordPiece = new WordPieceModel(vocab, options.SpecialTokens.Unk ?? "[UNK]", "##", options.MaxInputCharsPerWord);
        Basic = options.DoBasicTokenize
            ? new BasicTokenizer(options.DoLowerCase, options.StripAccents, options.TokenizeChineseChars, SpecialTokens.All)
            : null;
        AddSpecialTokensFromVocabulary();
        int cls = TokenToId(SpecialTokens.Cls ?? "") ?? 0, sep = TokenToId(SpecialTokens.Sep ?? "") ?? 0;
        string clsT = SpecialTokens.Cls ?? "[CLS]", sepT = SpecialTokens.Sep ?? "[SEP]";
        PostProcessor = new TemplatePostProcessor(
            [TemplatePostProcessor.Piece.Special(clsT, cls), TemplatePostProcessor.Piece.Seq('A'), TemplatePostProcessor.Piece.Special(sepT, sep)],
            [TemplatePostProcessor.Piece.Special(clsT, cls), TemplatePostProcessor.Piece.Seq('A'), TemplatePostProcessor.Piece.Special(sepT, sep),
             TemplatePostProcessor.Piece.Seq('B', 1), TemplatePostProcessor.Piece.Special(sepT, sep, 1)]);
    }

    /// <summary>Loads vocab.txt.</summary>
    public static BertTokenizer FromVocabFile(string vocabPath, Options? options = null)
    {
        var vocab = VocabularyFile.ReadWordPieceVocab(vocabPath);
        string unk = options?.SpecialTokens.Unk ?? "[UNK]";
        if (!vocab.ContainsKey(unk)) throw new TokenizerLoadException(vocabPath, $"the vocabulary has no unknown token '{unk}'.");
        return new BertTokenizer(vocab, options);
    }

    /// <summary>The options this tokenizer was made with.</summary>
    public Options Settings { get; }

    /// <summary>The WordPiece model.</summary>
    public WordPieceModel WordPiece { get; }

    /// <summary>The basic tokenizer (null when do_basic_tokenize is false).</summary>
    public BasicTokenizer? Basic { get; }

    /// <inheritdoc />
    public override int BaseVocabularySize => WordPiece.Size;

    /// <inheritdoc />
    protected override int? ModelTokenToId(string token) => WordPiece.TokenToId(token);

    /// <inheritdoc />
    protected override string? ModelIdToToken(int id) => WordPiece.IdToToken(id);

    /// <summary>The basic tokenizer without its normalization steps, for text that is normalized already.</summary>
    private BasicTokenizer? Unnormalized => Basic is null ? null
        : _unnormalized ??= new BasicTokenizer(Basic.DoLowerCase, Basic.StripAccents, Basic.TokenizeChineseChars, Basic.NeverSplit) { Normalizes = false };

    private BasicTokenizer? _unnormalized;

    /// <inheritdoc />
    protected override void TokenizeSegment(string text, int start, int end, TokenBuffer output)
    {
        if (Basic is null || !output.Normalize || !output.PreTokenize)
        {
            TokenizeGeneral(text, start, end, output);
            return;
        }
        // Basic tokenization splits at whitespace before anything else, so each chunk between ASCII whitespace can be
        // taken on its own. In a chunk of printable ASCII it only splits at each ASCII punctuation mark and lower-cases
        // (NFC, accent stripping and the CJK and control-character rules change nothing there), so such a chunk is cut in
        // place; any other chunk takes the general path.
        int i = start;
        while (i < end)
        {
            while (i < end && IsAsciiSpace(text[i])) i++;
            int s = i;
            while (i < end && !IsAsciiSpace(text[i])) i++;
            if (i == s) break;
            var chunk = text.AsSpan(s, i - s);
            if (chunk.IndexOfAnyExceptInRange('!', '~') < 0 && !Basic.IsNeverSplit(chunk)) TokenizeAsciiChunk(text, s, i, output);
            else TokenizeGeneral(text, s, i, output);
        }
    }

    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\r';

    /// <summary>BERT's <c>_is_punctuation</c> on printable ASCII: every character that is not a letter or digit.</summary>
    private static bool IsAsciiPunctuation(char c) => !char.IsAsciiLetterOrDigit(c);

    private void TokenizeAsciiChunk(string text, int start, int end, TokenBuffer output)
    {
        int w = start;
        for (int k = start; k <= end; k++)
        {
            if (k < end && !IsAsciiPunctuation(text[k])) continue;
            if (k > w) TokenizeAsciiWord(text, w, k, output);
            if (k < end) TokenizeAsciiWord(text, k, k + 1, output);
            w = k + 1;
        }
    }

    private void TokenizeAsciiWord(string text, int start, int end, TokenBuffer output)
    {
        output.StartWord();
        var word = text.AsSpan(start, end - start);
        if (!Basic!.DoLowerCase || !word.ContainsAnyInRange('A', 'Z') || word.Length > WordPiece.MaxInputCharsPerWord)
        {
            WordPiece.Tokenize(word, start, output);
            return;
        }
        Span<char> lower = stackalloc char[word.Length];
        Ascii.ToLower(word, lower, out _);
        WordPiece.Tokenize(lower, start, output);
    }

    private void TokenizeGeneral(string text, int start, int end, TokenBuffer output)
    {
        var words = new List<BasicTokenizer.Word>();
        var basic = output.Normalize ? Basic : Unnormalized;
        if (basic is not null) basic.Split(text, start, end, words, output.PreTokenize);
        else if (output.PreTokenize) WhitespaceWords(text, start, end, words);
        else WholeSegment(text, start, end, words);
        foreach (var w in words)
        {
            output.StartWord();
            if (basic is not null && basic.NeverSplit.Contains(w.Text))
            {
                int id = TokenToId(w.Text) ?? WordPiece.UnkId;
                output.Add(id, w.Text, w.Starts[0], w.Ends[^1]);
                continue;
            }
            WordPiece.Tokenize(w.Text, w.Starts, w.Ends, output);
        }
    }

    private static void WhitespaceWords(string text, int start, int end, List<BasicTokenizer.Word> words)
    {
        int i = start;
        while (i < end)
        {
            while (i < end && TextRules.IsPythonSpace(text[i])) i++;
            int s = i;
            while (i < end && !TextRules.IsPythonSpace(text[i])) i++;
            if (i > s)
            {
                var starts = new int[i - s];
                var ends = new int[i - s];
                for (int k = 0; k < starts.Length; k++) { starts[k] = s + k; ends[k] = s + k + 1; }
                words.Add(new BasicTokenizer.Word(text[s..i], starts, ends));
            }
        }
    }

    private static void WholeSegment(string text, int start, int end, List<BasicTokenizer.Word> words)
    {
        if (end <= start) return;
        var starts = new int[end - start];
        var ends = new int[end - start];
        for (int k = 0; k < starts.Length; k++) { starts[k] = start + k; ends[k] = start + k + 1; }
        words.Add(new BasicTokenizer.Word(text[start..end], starts, ends));
    }

    /// <summary>transformers: <c>" ".join(tokens).replace(" ##", "").strip()</c>.</summary>
    protected override string ConvertTokensToString(List<string> tokens) =>
        PythonStrip(string.Join(' ', tokens).Replace(" ##", "", StringComparison.Ordinal));

    internal static string PythonStrip(string s)
    {
        int a = 0, b = s.Length;
        while (a < b && TextRules.IsPythonSpace(s[a])) a++;
        while (b > a && TextRules.IsPythonSpace(s[b - 1])) b--;
        return a == 0 && b == s.Length ? s : s[a..b];
    }
}
