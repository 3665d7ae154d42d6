namespace MLNet.Compression.Tokenization;

/// <summary>
/// The character range of a Microsoft.ML.Tokenizers <see cref="EncodedToken"/> as two numbers. This library's offsets
/// always count from the start of the text passed in, and a token the tokenizer added (such as <c>[CLS]</c>) has an
/// empty range.
/// </summary>
public static class EncodedTokenOffsets
{
    extension(EncodedToken token)
    {
        /// <summary>Start index of <see cref="EncodedToken.Offset"/> in the input text.</summary>
        public int Start => token.Offset.Start.Value;

        /// <summary>End index (exclusive) of <see cref="EncodedToken.Offset"/> in the input text.</summary>
        public int End => token.Offset.End.Value;
    }
}
