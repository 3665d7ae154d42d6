namespace MLNet.Compression.Tokenization;

/// <summary>
/// T5's tokenizer (transformers' slow <c>T5Tokenizer</c>, legacy=True): SentencePiece unigram with the nmt_nfkc
/// normalizer, <c>&lt;/s&gt;</c> appended (not twice), and <see cref="ExtraIds"/> sentinels
/// <c>&lt;extra_id_i&gt;</c> at id <c>pieces + extra_ids - 1 - i</c>, matched whole and swallowing the spaces beside them.
/// </summary>
public sealed class T5Tokenizer : SentencePieceTokenizer
{
    /// <summary>Creates the tokenizer with <paramref name="extraIds"/> sentinels (T5 uses 100).</summary>
    public T5Tokenizer(SentencePieceProcessor processor, int extraIds = 100, IReadOnlyList<string>? additionalSpecialTokens = null)
        : base(processor, MakeSpecials(processor, extraIds, additionalSpecialTokens))
    {
        ExtraIds = extraIds;
        int n = processor.PieceCount;
        for (int i = 0; i < extraIds; i++)
            AddToken(new AddedToken(SentinelToken(i), n + extraIds - 1 - i, Special: true, LStrip: true, RStrip: true));
        int eos = TokenToId(SpecialTokens.Eos ?? "</s>") ?? 1;
        var e = TemplatePostProcessor.Piece.Special(SpecialTokens.Eos ?? "</s>", eos);
        PostProcessor = new TemplatePostProcessor([TemplatePostProcessor.Piece.Seq('A'), e],
            [TemplatePostProcessor.Piece.Seq('A'), e, TemplatePostProcessor.Piece.Seq('B'), e]) { SkipTrailingSpecialIfPresent = eos };
    }

    private static SpecialTokens MakeSpecials(SentencePieceProcessor p, int extraIds, IReadOnlyList<string>? additional)
    {
        var sentinels = Enumerable.Range(0, extraIds).Select(SentinelToken).ToList();
        if (additional is not null) foreach (var a in additional) if (!sentinels.Contains(a)) sentinels.Add(a);
        return new SpecialTokens { Eos = "</s>", Unk = "<unk>", Pad = "<pad>", Additional = sentinels };
    }

    /// <summary>Loads spiece.model.</summary>
    public static T5Tokenizer FromFile(string spieceModelPath, int extraIds = 100) =>
        new(new SentencePieceProcessor(SentencePieceModel.Load(spieceModelPath), spieceModelPath), extraIds);

    /// <summary>Number of sentinel tokens.</summary>
    public int ExtraIds { get; }

    /// <summary>transformers 4.36: the SentencePiece size (sentinels are added tokens past it).</summary>
    public override int BaseVocabularySize => Processor.PieceCount;
}
