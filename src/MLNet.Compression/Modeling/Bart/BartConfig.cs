using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Bart;

/// <summary>
/// BartConfig (transformers/models/bart/configuration_bart.py, v4.36) with its defaults. Legacy fairseq-era fields that
/// 4.36 ignores (normalize_before, add_final_layer_norm, add_bias_logits, static_position_embeddings, normalize_embedding)
/// are ignored here too.
/// </summary>
public sealed record BartConfig
{
    public int VocabSize { get; init; }
    public int DModel { get; init; }
    public int MaxPositions { get; init; }
    public int EncoderLayers { get; init; }
    public int EncoderHeads { get; init; }
    public int EncoderHeadDim { get; init; }
    public int EncoderFfnDim { get; init; }
    public int DecoderLayers { get; init; }
    public int DecoderHeads { get; init; }
    public int DecoderHeadDim { get; init; }
    public int DecoderFfnDim { get; init; }
    public Activation ActivationFunction { get; init; }
    /// <summary>Token embeddings are multiplied by √d_model.</summary>
    public bool ScaleEmbedding { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public int? PadTokenId { get; init; }
    public int? BosTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public int? DecoderStartTokenId { get; init; }
    public int? ForcedBosTokenId { get; init; }
    public int? ForcedEosTokenId { get; init; }

    /// <summary>nn.LayerNorm's default; BART has no eps field.</summary>
    public const float LayerNormEps = 1e-5f;

    /// <summary>BartLearnedPositionalEmbedding: rows 0 and 1 are reserved (fairseq's padding offset), positions start at 2.</summary>
    public const int PositionOffset = 2;

    public static BartConfig From(ConfigJson c)
    {
        int d = c.Int("d_model", 1024);
        int encHeads = c.Int("encoder_attention_heads", 16);
        int decHeads = c.Int("decoder_attention_heads", 16);
        int? bos = Seq2SeqConfig.Id(c, "bos_token_id", 0);
        int? forcedBos = Seq2SeqConfig.Id(c, "forced_bos_token_id", null);
        // Backward compatibility for BART-CNN configs (BartConfig.__init__).
        if (forcedBos is null && c.Bool("force_bos_token_to_be_generated", false)) forcedBos = bos;
        return new BartConfig
        {
            VocabSize = c.Int("vocab_size", 50265),
            DModel = d,
            MaxPositions = c.Int("max_position_embeddings", 1024),
            EncoderLayers = c.Int("encoder_layers", 12),
            EncoderHeads = encHeads,
            EncoderHeadDim = ConfigFields.HeadDim(c, d, encHeads, "d_model", "encoder_attention_heads"),
            EncoderFfnDim = c.Int("encoder_ffn_dim", 4096),
            DecoderLayers = c.Int("decoder_layers", 12),
            DecoderHeads = decHeads,
            DecoderHeadDim = ConfigFields.HeadDim(c, d, decHeads, "d_model", "decoder_attention_heads"),
            DecoderFfnDim = c.Int("decoder_ffn_dim", 4096),
            ActivationFunction = ConfigFields.Activation(c, "activation_function", "gelu"),
            ScaleEmbedding = c.Bool("scale_embedding", false),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
            PadTokenId = Seq2SeqConfig.Id(c, "pad_token_id", 1),
            BosTokenId = bos,
            EosTokenIds = Seq2SeqConfig.Ids(c, "eos_token_id", 2),
            DecoderStartTokenId = Seq2SeqConfig.Id(c, "decoder_start_token_id", 2),
            ForcedBosTokenId = forcedBos,
            ForcedEosTokenId = Seq2SeqConfig.Id(c, "forced_eos_token_id", 2),
        };
    }
}
