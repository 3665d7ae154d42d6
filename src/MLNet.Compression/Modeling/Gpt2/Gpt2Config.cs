using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Gpt2;

/// <summary>
/// GPT2Config (transformers/models/gpt2/configuration_gpt2.py, v4.36) with its defaults. HF's attribute_map lets a
/// config.json say hidden_size / num_hidden_layers / num_attention_heads / max_position_embeddings instead of the
/// n_* names; those aliases win when present, as PretrainedConfig sets them after __init__.
/// </summary>
public sealed record Gpt2Config
{
    public int VocabSize { get; init; }
    /// <summary>n_positions: rows of the learned position table (wpe).</summary>
    public int MaxPositions { get; init; }
    /// <summary>n_embd</summary>
    public int HiddenSize { get; init; }
    /// <summary>n_layer</summary>
    public int Layers { get; init; }
    /// <summary>n_head</summary>
    public int Heads { get; init; }
    public int HeadDim { get; init; }
    /// <summary>n_inner, or 4·n_embd when null (GPT2Block).</summary>
    public int InnerSize { get; init; }
    public Activation Activation { get; init; }
    public float LayerNormEps { get; init; }
    /// <summary>Divide scores by √headDim (GPT2Attention._attn).</summary>
    public bool ScaleAttnWeights { get; init; }
    /// <summary>Divide scores by (layer index + 1) too (Mistral/Stanford CRFM runs).</summary>
    public bool ScaleAttnByInverseLayerIdx { get; init; }
    /// <summary>
    /// HF then computes the scores with baddbmm in float32 and scales before the product; in float32 that is the
    /// same function up to rounding, so it is accepted and computed the ordinary way.
    /// </summary>
    public bool ReorderAndUpcastAttn { get; init; }
    public bool TieWordEmbeddings { get; init; }

    public static Gpt2Config From(ConfigJson c)
    {
        int hidden = c.IntOrNull("hidden_size") ?? c.Int("n_embd", 768);
        int heads = c.IntOrNull("num_attention_heads") ?? c.Int("n_head", 12);
        string headsField = c.Has("num_attention_heads") ? "num_attention_heads" : "n_head";
        string hiddenField = c.Has("hidden_size") ? "hidden_size" : "n_embd";
        // GPT2LMHeadModel would add cross-attention blocks fed by an encoder this model does not have.
        if (c.Bool("add_cross_attention", false))
            throw c.Unsupported("add_cross_attention", "true", "false (GPT2LMHeadModel without an encoder)");
        return new Gpt2Config
        {
            VocabSize = c.Int("vocab_size", 50257),
            MaxPositions = c.IntOrNull("max_position_embeddings") ?? c.Int("n_positions", 1024),
            HiddenSize = hidden,
            Layers = c.IntOrNull("num_hidden_layers") ?? c.Int("n_layer", 12),
            Heads = heads,
            HeadDim = ConfigFields.HeadDim(c, hidden, heads, hiddenField, headsField),
            InnerSize = c.IntOrNull("n_inner") ?? 4 * hidden,
            Activation = ConfigFields.Activation(c, "activation_function", "gelu_new"),
            LayerNormEps = (float)c.Double("layer_norm_epsilon", 1e-5),
            ScaleAttnWeights = c.Bool("scale_attn_weights", true),
            ScaleAttnByInverseLayerIdx = c.Bool("scale_attn_by_inverse_layer_idx", false),
            ReorderAndUpcastAttn = c.Bool("reorder_and_upcast_attn", false),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
        };
    }

    /// <summary>The factor the scores of layer <paramref name="layerIdx"/> are multiplied by.</summary>
    public float AttentionScale(int layerIdx)
    {
        double s = 1.0;
        if (ScaleAttnWeights) s /= Math.Sqrt(HeadDim);
        if (ScaleAttnByInverseLayerIdx) s /= layerIdx + 1;
        return (float)s;
    }
}
