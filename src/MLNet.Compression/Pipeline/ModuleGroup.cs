using System.Text.RegularExpressions;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// A named set of linear layers to compress, chosen by role (so one group means the same thing in every family) or by a
/// regular expression over Hugging Face key names. The named groups follow seed study 1 (Namburi et al. 2023):
/// "attention only" pruned q, k, v; "output only" pruned intermediate.dense, output.dense and attention.output.dense.
/// </summary>
public sealed class ModuleGroup
{
    private readonly Func<Linear, bool> _predicate;

    private ModuleGroup(string name, string description, Func<Linear, bool> predicate)
    {
        Name = name;
        Description = description;
        _predicate = predicate;
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>Query, key, value and attention output projections (fused QKV included).</summary>
    public static ModuleGroup Attention { get; } = new("attention", "q, k, v and attention output projections",
        l => l.Role is LayerRole.AttentionQuery or LayerRole.AttentionKey or LayerRole.AttentionValue or LayerRole.AttentionQkv or LayerRole.AttentionOutput);

    /// <summary>Query, key and value only: the study's "attention only".</summary>
    public static ModuleGroup AttentionQkv { get; } = new("attention-qkv", "q, k and v projections (the study's \"attention only\")",
        l => l.Role is LayerRole.AttentionQuery or LayerRole.AttentionKey or LayerRole.AttentionValue or LayerRole.AttentionQkv);

    /// <summary>The feed-forward layers and the attention output dense: the study's "output only".</summary>
    public static ModuleGroup Ffn { get; } = new("ffn", "FFN up/gate/down and the attention output projection (the study's \"output only\")",
        l => l.Role is LayerRole.FfnUp or LayerRole.FfnGate or LayerRole.FfnDown or LayerRole.AttentionOutput);

    /// <summary>Every linear layer except the LM head.</summary>
    public static ModuleGroup All { get; } = new("all", "every linear layer except the LM head", l => l.Role != LayerRole.Head);

    /// <summary>The LM head and its dense transform.</summary>
    public static ModuleGroup Head { get; } = new("head", "the LM head and its dense transform", l => l.Role == LayerRole.Head);

    public static IReadOnlyList<ModuleGroup> Named { get; } = [Attention, AttentionQkv, Ffn, All, Head];

    /// <summary>Layers whose key prefix matches <paramref name="pattern"/> (.NET regex, searched anywhere in the name).</summary>
    public static ModuleGroup Regex(string pattern)
    {
        Regex re;
        try { re = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { throw new ArgumentException($"module group pattern \"{pattern}\" is not a valid regular expression: {e.Message}"); }
        return new ModuleGroup(pattern, $"layers matching /{pattern}/", l => re.IsMatch(l.Name));
    }

    /// <summary>A named group (attention, attention-qkv, ffn, all, head), else a regular expression.</summary>
    public static ModuleGroup Parse(string text)
        => Named.FirstOrDefault(g => string.Equals(g.Name, text, StringComparison.OrdinalIgnoreCase)) ?? Regex(text);

    public bool Contains(Linear layer) => _predicate(layer);

    /// <summary>The model's layers in this group, in checkpoint order; an empty selection is an error naming the group.</summary>
    public IReadOnlyList<Linear> Select(LanguageModel model)
    {
        var layers = model.Linears.Where(_predicate).ToList();
        if (layers.Count == 0)
            throw new ArgumentException($"module group \"{Name}\" selects no linear layer of this {model.ModelType} model (layers are named like \"{model.Linears[0].Name}\").");
        return layers;
    }

    public override string ToString() => Name;
}
