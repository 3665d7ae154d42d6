using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Bert;

/// <summary>
/// BertConfig (transformers/models/bert/configuration_bert.py) with its defaults; RoBERTa reads the same fields
/// with its own pad/bos/eos defaults.
/// </summary>
public sealed record BertConfig
{
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    public int HeadDim { get; init; }
    public int IntermediateSize { get; init; }
    public Activation HiddenAct { get; init; }
    public int MaxPositions { get; init; }
    public int TypeVocabSize { get; init; }
    public float LayerNormEps { get; init; }
    public int PadTokenId { get; init; }
    /// <summary>"absolute", "relative_key" or "relative_key_query" (Shaw et al. 2018; Huang et al. 2020).</summary>
    public string PositionEmbeddingType { get; init; } = "absolute";
    public bool TieWordEmbeddings { get; init; }

    public static BertConfig From(ConfigJson c, int defaultPad = 0)
    {
        int hidden = c.Int("hidden_size", 768);
        int heads = c.Int("num_attention_heads", 12);
        string posType = c.String("position_embedding_type", "absolute");
        if (posType is not ("absolute" or "relative_key" or "relative_key_query"))
            throw c.Unsupported("position_embedding_type", posType, "absolute, relative_key, relative_key_query");
        return new BertConfig
        {
            VocabSize = c.Int("vocab_size", 30522),
            HiddenSize = hidden,
            Layers = c.Int("num_hidden_layers", 12),
            Heads = heads,
            HeadDim = ConfigFields.HeadDim(c, hidden, heads, "hidden_size", "num_attention_heads"),
            IntermediateSize = c.Int("intermediate_size", 3072),
            HiddenAct = ConfigFields.Activation(c, "hidden_act", "gelu"),
            MaxPositions = c.Int("max_position_embeddings", 512),
            TypeVocabSize = c.Int("type_vocab_size", 2),
            LayerNormEps = (float)c.Double("layer_norm_eps", 1e-12),
            PadTokenId = c.Int("pad_token_id", defaultPad),
            PositionEmbeddingType = posType,
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
        };
    }
}
