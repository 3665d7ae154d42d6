namespace MLNet.Compression.Tokenization;

/// <summary>
/// Model input for one text or text pair: ids with the model's special tokens, token type ids, attention mask and offsets
/// (what Hugging Face's <c>BatchEncoding</c> holds for a single example).
/// </summary>
public sealed class EncodedInput
{
    internal EncodedInput(List<EncodedToken> tokens, List<int> typeIds, List<bool> special, int pairOffsetStart)
    {
        Tokens = tokens;
        Ids = tokens.ConvertAll(t => t.Id);
        TypeIds = typeIds;
        SpecialTokensMask = special.ConvertAll(s => s ? 1 : 0);
        AttentionMask = Enumerable.Repeat(1, tokens.Count).ToList();
        SecondSequenceStart = pairOffsetStart;
    }

    /// <summary>Token ids, special tokens included.</summary>
    public IReadOnlyList<int> Ids { get; }

    /// <summary>Tokens with their offsets; offsets of the second text of a pair index into that text.</summary>
    public IReadOnlyList<EncodedToken> Tokens { get; }

    /// <summary>Segment ids (BERT's token_type_ids): 0 for the first text, 1 for the second where the model uses them.</summary>
    public IReadOnlyList<int> TypeIds { get; }

    /// <summary>1 for every real token (no padding is added here).</summary>
    public IReadOnlyList<int> AttentionMask { get; }

    /// <summary>1 where the tokenizer added a special token.</summary>
    public IReadOnlyList<int> SpecialTokensMask { get; }

    /// <summary>Index of the first token that belongs to the second text of a pair, or -1.</summary>
    public int SecondSequenceStart { get; }

    /// <summary>Number of tokens.</summary>
    public int Count => Ids.Count;
}
