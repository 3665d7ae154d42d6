using System.Text.RegularExpressions;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.AutoSearch.Reporting;

/// <summary>
/// Where a linear layer (or a plan unit such as "block3.ffn") sits in a transformer: its block and its kind (q, k, v,
/// attention out, ffn up, ffn down, …), so a per-layer plan reads as a grid of blocks × kinds. The kind comes from the
/// layer's role when the model is at hand, else from the BERT, GPT-2, Llama, DistilBERT, OPT/BART, GPT-NeoX or T5
/// spelling of its name.
/// </summary>
public sealed partial record LayerPosition(string Stack, int Block, string Kind, int KindOrder)
{
    /// <summary>The row label: the block number, with "enc"/"dec" in front for encoder-decoder models; "other" outside blocks.</summary>
    public string BlockLabel => Block < 0 ? "other" : Stack.Length == 0 ? Block.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Stack} {Block}";

    /// <summary>A short name for a row of layers: "3 · q", "dec 1 · ffn down".</summary>
    public string ShortName => $"{BlockLabel} · {Kind}";

    // Checked in order on the part of the name after the block number; the first match wins, so the attention output
    // ("attention.output.dense") is found before BERT's ffn down ("output.dense").
    private static readonly (Regex Pattern, string Kind, int Order)[] Kinds =
    [
        (new(@"(^|\.)(c_attn|query_key_value|qkv|wqkv|qkv_proj)$", RegexOptions.IgnoreCase), "qkv", 0),
        (new(@"(^|\.)(query|q_proj|q_lin|q)$", RegexOptions.IgnoreCase), "q", 1),
        (new(@"(^|\.)(key|k_proj|k_lin|k)$", RegexOptions.IgnoreCase), "k", 2),
        (new(@"(^|\.)(value|v_proj|v_lin|v)$", RegexOptions.IgnoreCase), "v", 3),
        (new(@"(attention\.output\.dense|attention\.dense|attn\.c_proj|o_proj|out_lin|out_proj|attention\.o|(^|\.)o)$", RegexOptions.IgnoreCase), "attn out", 4),
        (new(@"(^|\.)(gate_proj|w1|wi_0)$", RegexOptions.IgnoreCase), "ffn gate", 5),
        (new(@"(intermediate\.dense|up_proj|c_fc|lin1|fc1|dense_h_to_4h|(^|\.)wi|wi_1|w3)$", RegexOptions.IgnoreCase), "ffn up", 6),
        (new(@"(output\.dense|down_proj|mlp\.c_proj|lin2|fc2|dense_4h_to_h|(^|\.)wo|w2)$", RegexOptions.IgnoreCase), "ffn down", 7),
        (new(@"(^|\.)(attention|attn)$", RegexOptions.IgnoreCase), "attention", 8),
        (new(@"(^|\.)(ffn|mlp)$", RegexOptions.IgnoreCase), "ffn", 9),
    ];

    /// <summary>The position of <paramref name="name"/>; <paramref name="role"/>, when known, decides the kind.</summary>
    public static LayerPosition Of(string name, LayerRole? role = null)
    {
        var m = BlockNumber().Match(name);
        int block = m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
        string before = m.Success ? name[..m.Index] : "", after = m.Success ? name[(m.Index + m.Length)..].TrimStart('.') : name;
        // Encoder-decoder models number both stacks from 0; a decoder's cross-attention is another kind than its self-attention.
        string stack = before.Contains("decoder", StringComparison.OrdinalIgnoreCase) ? "dec" : before.Contains("encoder", StringComparison.OrdinalIgnoreCase) && IsSeq2Seq(name) ? "enc" : "";
        string cross = Regex.IsMatch(after, "encoder_attn|EncDecAttention|crossattention", RegexOptions.IgnoreCase) ? "cross " : "";
        var (kind, order) = role is { } r ? FromRole(r) : FromName(after);
        return new LayerPosition(stack, block, cross + kind, order + (cross.Length > 0 ? 20 : 0));
    }

    /// <summary>Encoder-decoder names (BART, T5) say so; a BERT encoder alone gets no "enc" prefix.</summary>
    private static bool IsSeq2Seq(string name) => name.StartsWith("model.encoder", StringComparison.Ordinal) || name.StartsWith("encoder.block", StringComparison.Ordinal);

    private static (string, int) FromRole(LayerRole role) => role switch
    {
        LayerRole.AttentionQkv => ("qkv", 0),
        LayerRole.AttentionQuery => ("q", 1),
        LayerRole.AttentionKey => ("k", 2),
        LayerRole.AttentionValue => ("v", 3),
        LayerRole.AttentionOutput => ("attn out", 4),
        LayerRole.FfnGate => ("ffn gate", 5),
        LayerRole.FfnUp => ("ffn up", 6),
        LayerRole.FfnDown => ("ffn down", 7),
        LayerRole.Head => ("head", 10),
        _ => ("projection", 11),
    };

    private static (string, int) FromName(string after)
    {
        foreach (var (pattern, kind, order) in Kinds)
            if (pattern.IsMatch(after)) return (kind, order);
        return (after.Length == 0 ? "layer" : after, 12);
    }

    [GeneratedRegex(@"(?:^|\.|block)(\d+)(?=\.|$)")]
    private static partial Regex BlockNumber();
}
