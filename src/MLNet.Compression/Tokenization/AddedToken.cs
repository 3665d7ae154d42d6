namespace MLNet.Compression.Tokenization;

/// <summary>
/// A token matched whole in the input before the model tokenizes the rest (special tokens such as <c>[MASK]</c>,
/// <c>&lt;extra_id_0&gt;</c>, or tokens a user added). Mirrors Hugging Face's <c>AddedToken</c>.
/// </summary>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Id">Its id.</param>
/// <param name="Special">Whether it is a special token (skipped when decoding with skipSpecialTokens).</param>
/// <param name="LStrip">Whether it swallows the whitespace on its left (RoBERTa's <c>&lt;mask&gt;</c>, T5's sentinels).</param>
/// <param name="RStrip">Whether it swallows the whitespace on its right.</param>
/// <param name="Normalized">Whether tokenizer.json matches it after normalization (informational for slow tokenizers).</param>
public sealed record AddedToken(string Content, int Id, bool Special = true, bool LStrip = false, bool RStrip = false, bool Normalized = false);
