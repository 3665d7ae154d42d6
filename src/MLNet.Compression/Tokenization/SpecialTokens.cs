namespace MLNet.Compression.Tokenization;

/// <summary>
/// The named special tokens of a model (Hugging Face's <c>special_tokens_map.json</c>): any may be null.
/// </summary>
public sealed record SpecialTokens
{
    /// <summary>Beginning of sequence (<c>&lt;s&gt;</c>, <c>&lt;|endoftext|&gt;</c>).</summary>
    public string? Bos { get; init; }

    /// <summary>End of sequence (<c>&lt;/s&gt;</c>).</summary>
    public string? Eos { get; init; }

    /// <summary>Unknown token (<c>[UNK]</c>, <c>&lt;unk&gt;</c>).</summary>
    public string? Unk { get; init; }

    /// <summary>Separator (<c>[SEP]</c>).</summary>
    public string? Sep { get; init; }

    /// <summary>Padding (<c>[PAD]</c>, <c>&lt;pad&gt;</c>).</summary>
    public string? Pad { get; init; }

    /// <summary>Classifier token (<c>[CLS]</c>).</summary>
    public string? Cls { get; init; }

    /// <summary>Mask token for masked language models (<c>[MASK]</c>, <c>&lt;mask&gt;</c>).</summary>
    public string? Mask { get; init; }

    /// <summary>Additional special tokens (T5's sentinels <c>&lt;extra_id_N&gt;</c>).</summary>
    public IReadOnlyList<string> Additional { get; init; } = [];

    /// <summary>Every special token, in Hugging Face's order (bos, eos, unk, sep, pad, cls, mask, additional), without repeats.</summary>
    public IReadOnlyList<string> All
    {
        get
        {
            var list = new List<string>();
            foreach (var t in new[] { Bos, Eos, Unk, Sep, Pad, Cls, Mask }.Concat(Additional))
                if (t is not null && !list.Contains(t)) list.Add(t);
            return list;
        }
    }
}
