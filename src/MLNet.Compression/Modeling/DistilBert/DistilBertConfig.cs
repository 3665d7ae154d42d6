using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.DistilBert;

/// <summary>
/// DistilBertConfig (transformers/models/distilbert/configuration_distilbert.py, v4.36) with its defaults.
/// DistilBERT names its fields after XLM (dim, hidden_dim, n_layers, n_heads, activation); the config's attribute_map
/// also accepts hidden_size, num_hidden_layers and num_attention_heads, which win over the XLM names when both are
/// present because PretrainedConfig applies the mapped kwargs after the class sets its own fields.
/// </summary>
public sealed record DistilBertConfig
{
    /// <summary>DistilBERT hard-codes eps=1e-12 in every LayerNorm (modeling_distilbert.py); there is no config field.</summary>
    public const float LayerNormEps = 1e-12f;

    public int VocabSize { get; init; }
    /// <summary>dim: width of the hidden states.</summary>
    public int Dim { get; init; }
    /// <summary>hidden_dim: width of the FFN's inner layer.</summary>
    public int HiddenDim { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    public int HeadDim { get; init; }
    /// <summary>activation: used by the FFN and by the MLM head's vocab_transform (get_activation in both).</summary>
    public Activation Activation { get; init; }
    public int MaxPositions { get; init; }
    /// <summary>sinusoidal_pos_embds: the position table is the fixed sinusoid of Vaswani et al. 2017 (§3.5).</summary>
    public bool SinusoidalPositions { get; init; }
    public int PadTokenId { get; init; }
    /// <summary>tie_word_embeddings (PretrainedConfig, default true): vocab_projector shares the word embeddings.</summary>
    public bool TieWordEmbeddings { get; init; }

    public static DistilBertConfig From(ConfigJson c)
    {
        // attribute_map aliases take precedence over the native names (see the class summary).
        string dimField = c.Has("hidden_size") ? "hidden_size" : "dim";
        string headsField = c.Has("num_attention_heads") ? "num_attention_heads" : "n_heads";
        string layersField = c.Has("num_hidden_layers") ? "num_hidden_layers" : "n_layers";
        int dim = c.Int(dimField, 768);
        int heads = c.Int(headsField, 12);
        // "tie_weights_" appears in old DistilBERT config.json files; v4.36 stores it as a plain attribute and never reads it,
        // so tying follows tie_word_embeddings alone, as in Hugging Face.
        return new DistilBertConfig
        {
            VocabSize = c.Int("vocab_size", 30522),
            Dim = dim,
            HiddenDim = c.Int("hidden_dim", 4 * 768),
            Layers = c.Int(layersField, 6),
            Heads = heads,
            // MultiHeadSelfAttention raises "n_heads must divide dim evenly" at construction.
            HeadDim = ConfigFields.HeadDim(c, dim, heads, dimField, headsField),
            Activation = ConfigFields.Activation(c, "activation", "gelu"),
            MaxPositions = c.Int("max_position_embeddings", 512),
            SinusoidalPositions = c.Bool("sinusoidal_pos_embds", false),
            PadTokenId = c.Int("pad_token_id", 0),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
        };
    }
}
