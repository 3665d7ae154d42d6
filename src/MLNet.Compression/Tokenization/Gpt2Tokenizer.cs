using System.Collections.Concurrent;
using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// Byte-level BPE as GPT-2, RoBERTa, BART and GPT-NeoX/Pythia use it (transformers' slow <c>GPT2Tokenizer</c> and
/// <c>RobertaTokenizer</c>): GPT-2's pre-tokenization pattern, UTF-8 bytes shown through <see cref="ByteLevel"/>, then
/// <see cref="BpeModel"/>. RoBERTa adds <c>&lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;</c> and a <c>&lt;mask&gt;</c>
/// that takes the space before it.
/// </summary>
public sealed class Gpt2Tokenizer : PreTrainedTokenizer
{
    /// <summary>Options (tokenizer_config.json names in brackets).</summary>
    public sealed class Options
    {
        /// <summary>Put a space before the text so the first word is tokenized like any other [add_prefix_space]. Default false.</summary>
        public bool AddPrefixSpace { get; init; }

        /// <summary>Add the bos token before a text [add_bos_token] (GPT-2 default false).</summary>
        public bool AddBosToken { get; init; }

        /// <summary>RoBERTa's (and BART's) special-token layout and lstrip mask.</summary>
        public bool RobertaStyle { get; init; }

        /// <summary>Special tokens; default GPT-2's <c>&lt;|endoftext|&gt;</c> as bos, eos and unk.</summary>
        public SpecialTokens SpecialTokens { get; init; } = new() { Bos = "<|endoftext|>", Eos = "<|endoftext|>", Unk = "<|endoftext|>" };

        /// <summary>RoBERTa's options: &lt;s&gt; &lt;/s&gt; &lt;unk&gt; &lt;pad&gt; &lt;mask&gt;.</summary>
        public static Options Roberta { get; } = new()
        {
            RobertaStyle = true,
            SpecialTokens = new() { Bos = "<s>", Eos = "</s>", Sep = "</s>", Cls = "<s>", Unk = "<unk>", Pad = "<pad>", Mask = "<mask>" },
        };
    }

    /// <summary>Creates the tokenizer from its vocabulary and merges.</summary>
    public Gpt2Tokenizer(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string, string)> merges, Options? options = null)
    {
        options ??= new Options();
        Settings = options;
        SpecialTokens = options.SpecialTokens;
        Bpe = new BpeModel(vocab, merges);
        _wordLookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        AddSpecialTokensFromVocabulary();
        if (options.RobertaStyle && SpecialTokens.Mask is { } mask && TokenToId(mask) is int maskId)
            AddToken(new AddedToken(mask, maskId, Special: true, LStrip: true));
        UnkId = SpecialTokens.Unk is { } u ? TokenToId(u) : null;
        if (options.RobertaStyle)
        {
            string cls = SpecialTokens.Cls ?? "<s>", sep = SpecialTokens.Sep ?? "</s>";
            int clsId = TokenToId(cls) ?? 0, sepId = TokenToId(sep) ?? 2;
            var c = TemplatePostProcessor.Piece.Special(cls, clsId);
            var s = TemplatePostProcessor.Piece.Special(sep, sepId);
            PostProcessor = new TemplatePostProcessor([c, TemplatePostProcessor.Piece.Seq('A'), s],
                [c, TemplatePostProcessor.Piece.Seq('A'), s, s, TemplatePostProcessor.Piece.Seq('B'), s]);
        }
        else if (options.AddBosToken && SpecialTokens.Bos is { } bos && TokenToId(bos) is int bosId)
        {
            var b = TemplatePostProcessor.Piece.Special(bos, bosId);
            PostProcessor = new TemplatePostProcessor([b, TemplatePostProcessor.Piece.Seq('A')],
                [b, TemplatePostProcessor.Piece.Seq('A'), b, TemplatePostProcessor.Piece.Seq('B')]);
        }
    }

    /// <summary>Loads vocab.json and merges.txt.</summary>
    public static Gpt2Tokenizer FromFiles(string vocabJsonPath, string mergesPath, Options? options = null)
    {
        var vocab = VocabularyFile.ReadJsonVocab(vocabJsonPath);
        var merges = VocabularyFile.ReadMerges(mergesPath);
        for (int i = 0; i < merges.Count; i++)
        {
            var (a, b) = merges[i];
            if (!vocab.ContainsKey(a + b) && !vocab.ContainsKey(a))
                throw new TokenizerLoadException(mergesPath, $"merge {i + 1} '{a} {b}' uses a symbol that is not in {Path.GetFileName(vocabJsonPath)}.");
        }
        return new Gpt2Tokenizer(vocab, merges, options);
    }

    /// <summary>The options this tokenizer was made with.</summary>
    public Options Settings { get; }

    /// <summary>The BPE model.</summary>
    public BpeModel Bpe { get; }

    private int? UnkId { get; }

    private const int MaxCachedWords = 200_000;
    private readonly ConcurrentDictionary<string, MergedWord> _words = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MergedWord>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;

    /// <inheritdoc />
    public override int BaseVocabularySize => Bpe.Size;

    /// <inheritdoc />
    protected override int? ModelTokenToId(string token) => Bpe.TokenToId(token);

    /// <inheritdoc />
    protected override string? ModelIdToToken(int id) => Bpe.IdToToken(id);

    /// <inheritdoc />
    protected override void TokenizeSegment(string text, int start, int end, TokenBuffer output)
    {
        // transformers' prepare_for_tokenization puts one space before the whole text; that space maps to an empty range
        // at the start and every later character back by one.
        bool prefix = Settings.AddPrefixSpace && start == 0 && !TextRules.IsPythonSpace(text[0]);
        string source = prefix ? " " + text[start..end] : text;
        int from = prefix ? 0 : start, to = prefix ? source.Length : end;
        for (int ws = from; ws < to;)
        {
            int we = output.PreTokenize ? Gpt2PreTokenizer.MatchEnd(source, ws, to) : to;
            var word = Merge(source, ws, we);
            output.StartWord();
            for (int k = 0; k < word.Ids.Length; k++)
            {
                int s = ws + word.Starts[k], e = ws + word.Ends[k];
                if (prefix) (s, e) = (s == 0 ? start : start + s - 1, e == 0 ? start : start + e - 1);
                output.Add(word.Ids[k], word.Values[k], s, e);
            }
            ws = we;
        }
    }

    /// <summary>The tokens of the word text[start..end), cached by its text: most words of a corpus repeat.</summary>
    private MergedWord Merge(string text, int start, int end)
    {
        var span = text.AsSpan(start, end - start);
        if (_wordLookup.TryGetValue(span, out var word)) return word;
        word = MergedWord.Build(span, Bpe, UnkId ?? 0);
        if (_words.Count < MaxCachedWords) _wordLookup.TryAdd(span, word);
        return word;
    }

    /// <summary>transformers: bytes from the byte-level characters, decoded as UTF-8 with errors='replace'.</summary>
    protected override string ConvertTokensToString(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens)
        {
            foreach (char c in t)
            {
                if (ByteLevel.TryDecode(c, out byte b)) bytes.Add(b);
                else AppendUtf8(bytes, c.ToString());
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
