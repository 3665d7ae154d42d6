namespace MLNet.Compression.Tokenization;

/// <summary>
/// Llama's tokenizer (transformers' slow <c>LlamaTokenizer</c>, legacy): SentencePiece BPE by score with byte fallback,
/// <c>&lt;s&gt;</c> before each text (add_bos_token), no <c>&lt;/s&gt;</c> unless add_eos_token.
/// </summary>
public sealed class LlamaTokenizer : SentencePieceTokenizer
{
    /// <summary>Creates the tokenizer.</summary>
    public LlamaTokenizer(SentencePieceProcessor processor, bool addBosToken = true, bool addEosToken = false, SpecialTokens? specialTokens = null)
        : base(processor, specialTokens ?? new SpecialTokens { Bos = "<s>", Eos = "</s>", Unk = "<unk>" })
    {
        var single = new List<TemplatePostProcessor.Piece>();
        var pair = new List<TemplatePostProcessor.Piece>();
        var bos = SpecialTokens.Bos is { } b && TokenToId(b) is int bi ? TemplatePostProcessor.Piece.Special(b, bi) : (TemplatePostProcessor.Piece?)null;
        var eos = SpecialTokens.Eos is { } e && TokenToId(e) is int ei ? TemplatePostProcessor.Piece.Special(e, ei) : (TemplatePostProcessor.Piece?)null;
        foreach (char seq in "AB")
        {
            var target = seq == 'A' ? single : null;
            if (addBosToken && bos is { } bp) { target?.Add(bp); pair.Add(bp with { TypeId = seq == 'A' ? 0 : 1 }); }
            target?.Add(TemplatePostProcessor.Piece.Seq('A'));
            pair.Add(TemplatePostProcessor.Piece.Seq(seq, seq == 'A' ? 0 : 1));
            if (addEosToken && eos is { } ep) { target?.Add(ep); pair.Add(ep with { TypeId = seq == 'A' ? 0 : 1 }); }
        }
        PostProcessor = new TemplatePostProcessor(single, pair);
    }

    /// <summary>Loads tokenizer.model.</summary>
    public static LlamaTokenizer FromFile(string modelPath, bool addBosToken = true, bool addEosToken = false) =>
        new(new SentencePieceProcessor(SentencePieceModel.Load(modelPath), modelPath), addBosToken, addEosToken);
}
