namespace MLNet.Compression.Tokenization;

/// <summary>
/// A transformers slow tokenizer backed by a SentencePiece model (T5, Llama, ALBERT): each piece of text between added
/// tokens is encoded by <see cref="SentencePieceProcessor"/> on its own ("legacy" behaviour, the transformers 4.36
/// default for the checkpoints this project loads).
/// </summary>
public class SentencePieceTokenizer : PreTrainedTokenizer
{
    /// <summary>Creates the tokenizer around a processor.</summary>
    public SentencePieceTokenizer(SentencePieceProcessor processor, SpecialTokens specialTokens)
    {
        Processor = processor;
        SpecialTokens = specialTokens;
        AddSpecialTokensFromVocabulary();
    }

    /// <summary>The SentencePiece processor.</summary>
    public SentencePieceProcessor Processor { get; }

    /// <inheritdoc />
    public override int BaseVocabularySize => Processor.PieceCount;

    /// <inheritdoc />
    protected override int? ModelTokenToId(string token) => Processor.Contains(token) ? Processor.PieceToId(token) : null;

    /// <inheritdoc />
    protected override string? ModelIdToToken(int id) => Processor.IdToPiece(id);

    /// <inheritdoc />
    protected override void TokenizeSegment(string text, int start, int end, TokenBuffer output) =>
        Processor.Encode(text, start, end, output);

    /// <summary>
    /// transformers' T5/Llama <c>convert_tokens_to_string</c>: special tokens are written as they are (a space before
    /// the first of a run), the rest decoded by SentencePiece; the result is stripped.
    /// </summary>
    protected override string ConvertTokensToString(List<string> tokens)
    {
        var special = SpecialTokens.All;
        var current = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool prevSpecial = false;
        foreach (var t in tokens)
        {
            if (special.Contains(t))
            {
                if (!prevSpecial) sb.Append(' ');
                sb.Append(Processor.DecodePieces(current)).Append(t);
                prevSpecial = true;
                current.Clear();
            }
            else
            {
                current.Add(t);
                prevSpecial = false;
            }
        }
        sb.Append(Processor.DecodePieces(current));
        return BertTokenizer.PythonStrip(sb.ToString());
    }
}
