using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Bart;
using MLNet.Compression.Modeling.T5;

namespace MLNet.Compression.Distillation;

/// <summary>
/// One stack of numbered layers in a family's checkpoint: where its keys live and which config.json fields count it.
/// Teacher layer i's keys start with <see cref="KeyPrefix"/> + i + "."; the dot keeps layer 1 from matching layer 10.
/// </summary>
/// <param name="Name">"encoder" or "decoder" for seq2seq stacks (used in messages); null for the only stack.</param>
/// <param name="KeyPrefix">e.g. "bert.encoder.layer."; null where the layers share one set of weights (ALBERT), so no key is renumbered.</param>
/// <param name="Depth">The teacher's number of layers in this stack.</param>
/// <param name="CountFields">
/// The config.json fields that hold the count, the family's own name first and then the aliases Hugging Face's
/// attribute_map accepts. The student gets the new count in every one the teacher's config holds; where it holds none,
/// the first is written, unless <paramref name="CountFieldsOptional"/>.
/// </param>
/// <param name="CountFieldsOptional">True where an absent count means "the same as another field" (T5's num_decoder_layers defaults to num_layers).</param>
/// <param name="FirstLayerOnlyKey">
/// A key, relative to layer 0, that only layer 0 holds and that every student keeps in its layer 0 whichever layers it
/// takes: T5's relative position bias table, which T5Stack builds only in block 0 (has_relative_attention_bias=bool(i == 0)
/// in modeling_t5.py) and shares with the later blocks.
/// </param>
internal sealed record LayerStack(
    string? Name, string? KeyPrefix, int Depth, IReadOnlyList<string> CountFields,
    bool CountFieldsOptional = false, string? FirstLayerOnlyKey = null)
{
    /// <summary>
    /// The layer a key belongs to and the part of the key after "{prefix}{index}.", or null when the key is outside this stack.
    /// </summary>
    public (int Layer, string Suffix)? Split(string key)
    {
        if (KeyPrefix is null || !key.StartsWith(KeyPrefix, StringComparison.Ordinal)) return null;
        int dot = key.IndexOf('.', KeyPrefix.Length);
        if (dot <= KeyPrefix.Length) return null;
        var digits = key.AsSpan(KeyPrefix.Length, dot - KeyPrefix.Length);
        foreach (char c in digits) if (c is < '0' or > '9') return null;
        return int.TryParse(digits, out int layer) ? (layer, key[(dot + 1)..]) : null;
    }

    /// <summary>The key of student layer <paramref name="layer"/> holding <paramref name="suffix"/>.</summary>
    public string Key(int layer, string suffix) => $"{KeyPrefix}{layer}.{suffix}";

    /// <summary>The stacks of a teacher, by config.json model_type, with their key prefixes as each family's constructor reads them.</summary>
    public static IReadOnlyList<LayerStack> Of(LanguageModel teacher)
    {
        int depth = teacher.LayerCount;
        return teacher.ModelType switch
        {
            // BertForMaskedLM: "{bert|roberta}.encoder.layer.{i}" (BertEncoder in modeling_bert.py / modeling_roberta.py).
            "bert" => [Single("bert.encoder.layer.", depth, "num_hidden_layers")],
            "roberta" => [Single("roberta.encoder.layer.", depth, "num_hidden_layers")],
            // DistilBertConfig: n_layers, or num_hidden_layers through attribute_map (which wins when both are present).
            "distilbert" => [Single("distilbert.transformer.layer.", depth, "n_layers", "num_hidden_layers")],
            // AlbertTransformer applies shared layer groups num_hidden_layers times: there are no per-layer keys.
            "albert" => [new LayerStack(null, null, depth, ["num_hidden_layers"])],
            // GPT2Config: n_layer, or num_hidden_layers through attribute_map (which wins when both are present).
            "gpt2" => [Single("transformer.h.", depth, "n_layer", "num_hidden_layers")],
            "gpt_neox" => [Single("gpt_neox.layers.", depth, "num_hidden_layers")],
            "opt" => [Single("model.decoder.layers.", depth, "num_hidden_layers")],
            "llama" => [Single("model.layers.", depth, "num_hidden_layers")],
            "t5" => T5(teacher as T5ForConditionalGeneration),
            "bart" => Bart(teacher as BartForConditionalGeneration),
            _ => throw new NotSupportedException(
                $"Building a student by layer selection is not implemented for model type \"{teacher.ModelType}\" " +
                "(supported: bert, roberta, distilbert, albert, gpt2, gpt_neox, opt, llama, t5, bart)."),
        };
    }

    private static LayerStack Single(string prefix, int depth, params string[] countFields) => new(null, prefix, depth, countFields);

    /// <summary>T5Config: num_layers (alias num_hidden_layers) and num_decoder_layers, which defaults to num_layers when absent or null.</summary>
    private static LayerStack[] T5(T5ForConditionalGeneration? t5)
    {
        var cfg = (t5 ?? throw Unexpected("t5", nameof(T5ForConditionalGeneration))).T5Config;
        const string bias = "layer.0.SelfAttention.relative_attention_bias.weight";
        return
        [
            new("encoder", "encoder.block.", cfg.EncoderLayers, ["num_layers", "num_hidden_layers"], FirstLayerOnlyKey: bias),
            new("decoder", "decoder.block.", cfg.DecoderLayers, ["num_decoder_layers"], CountFieldsOptional: true, FirstLayerOnlyKey: bias),
        ];
    }

    /// <summary>BartConfig: encoder_layers (alias num_hidden_layers, which BartConfig also saves) and decoder_layers.</summary>
    private static LayerStack[] Bart(BartForConditionalGeneration? bart)
    {
        var cfg = (bart ?? throw Unexpected("bart", nameof(BartForConditionalGeneration))).BartConfig;
        return
        [
            new("encoder", "model.encoder.layers.", cfg.EncoderLayers, ["encoder_layers", "num_hidden_layers"]),
            new("decoder", "model.decoder.layers.", cfg.DecoderLayers, ["decoder_layers"]),
        ];
    }

    private static NotSupportedException Unexpected(string type, string expected)
        => new($"A \"{type}\" model is expected to be a {expected} to build a student from it.");
}
