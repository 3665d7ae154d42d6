namespace MLNet.Compression.Tokenization;

/// <summary>
/// One token produced by a <see cref="Tokenizer"/>: its id, its string form in the vocabulary, and the character range
/// of the original text it came from (shaped like Microsoft.ML.Tokenizers' <c>EncodedToken</c>).
/// </summary>
/// <param name="Id">The vocabulary id.</param>
/// <param name="Value">The token as the vocabulary writes it (e.g. <c>##ing</c>, <c>Ġthe</c>, <c>▁the</c>).</param>
/// <param name="Offset">UTF-16 character range in the input text; empty (start == end) for tokens the tokenizer added.</param>
public readonly record struct EncodedToken(int Id, string Value, Range Offset)
{
    /// <summary>Start index of <see cref="Offset"/> in the input text.</summary>
    public int Start => Offset.Start.Value;

    /// <summary>End index (exclusive) of <see cref="Offset"/> in the input text.</summary>
    public int End => Offset.End.Value;
}
