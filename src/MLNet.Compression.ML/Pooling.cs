namespace MLNet.Compression.ML;

/// <summary>How Embed turns the last hidden state of a text's tokens into one vector.</summary>
public enum Pooling
{
    /// <summary>The mean over the text's tokens, special tokens included (sentence-transformers' mean pooling over the attention mask; SEAT's encoding).</summary>
    Mean,

    /// <summary>The first token ([CLS] of BERT-like encoders, as BERT's pooler and classifiers read it). Refused for causal LMs, whose first token sees only itself.</summary>
    Cls,

    /// <summary>The last token: in a causal LM the only one that has seen the whole text.</summary>
    LastToken,
}
