using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Opt;

/// <summary>OPTConfig (transformers/models/opt/configuration_opt.py, v4.36) with its defaults.</summary>
public sealed record OptConfig
{
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int Layers { get; init; }
    public int FfnDim { get; init; }
    public int Heads { get; init; }
    public int HeadDim { get; init; }
    /// <summary>Real positions; the table has two more rows (OPTLearnedPositionalEmbedding's offset).</summary>
    public int MaxPositions { get; init; }
    /// <summary>True: pre-norm (125m, 1.3b, …); false: post-norm (350m).</summary>
    public bool DoLayerNormBefore { get; init; }
    /// <summary>Drops the decoder's final LayerNorm (checkpoints fine-tuned before v4.20.1).</summary>
    public bool RemoveFinalLayerNorm { get; init; }
    /// <summary>Width of embed_tokens and the LM head; project_in/out map it to hidden_size when they differ (350m).</summary>
    public int WordEmbedProjDim { get; init; }
    public Activation Activation { get; init; }
    /// <summary>Biases on q/k/v/out_proj and fc1/fc2 (not on the LayerNorms).</summary>
    public bool EnableBias { get; init; }
    /// <summary>LayerNorms have weight and bias; false makes them plain normalisations.</summary>
    public bool LayerNormElementwiseAffine { get; init; }
    public int PadTokenId { get; init; }
    public bool TieWordEmbeddings { get; init; }

    /// <summary>OPT builds its LayerNorms with nn.LayerNorm's default eps; the config has no field for it.</summary>
    public const float LayerNormEps = 1e-5f;

    /// <summary>The decoder has final_layer_norm only for pre-norm models that kept it (OPTDecoder.__init__).</summary>
    public bool HasFinalLayerNorm => DoLayerNormBefore && !RemoveFinalLayerNorm;

    public bool HasProjections => WordEmbedProjDim != HiddenSize;

    public static OptConfig From(ConfigJson c)
    {
        int hidden = c.Int("hidden_size", 768);
        int heads = c.Int("num_attention_heads", 12);
        return new OptConfig
        {
            VocabSize = c.Int("vocab_size", 50272),
            HiddenSize = hidden,
            Layers = c.Int("num_hidden_layers", 12),
            FfnDim = c.Int("ffn_dim", 3072),
            Heads = heads,
            HeadDim = ConfigFields.HeadDim(c, hidden, heads, "hidden_size", "num_attention_heads"),
            MaxPositions = c.Int("max_position_embeddings", 2048),
            DoLayerNormBefore = c.Bool("do_layer_norm_before", true),
            RemoveFinalLayerNorm = c.Bool("_remove_final_layer_norm", false),
            // word_embed_proj_dim = None means hidden_size (OPTConfig.__init__).
            WordEmbedProjDim = c.IntOrNull("word_embed_proj_dim") ?? hidden,
            Activation = ConfigFields.Activation(c, "activation_function", "relu"),
            EnableBias = c.Bool("enable_bias", true),
            LayerNormElementwiseAffine = c.Bool("layer_norm_elementwise_affine", true),
            PadTokenId = c.Int("pad_token_id", 1),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
        };
    }
}
