using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Albert;

/// <summary>AlbertConfig (transformers/models/albert/configuration_albert.py, v4.36) with its defaults (those of albert-xxlarge).</summary>
public sealed record AlbertConfig
{
    public int VocabSize { get; init; }
    /// <summary>embedding_size: width of the factorized embeddings (and of the MLM head's output side).</summary>
    public int EmbeddingSize { get; init; }
    public int HiddenSize { get; init; }
    /// <summary>num_hidden_layers: how many times a layer group is applied (and hidden states returned, plus one).</summary>
    public int Layers { get; init; }
    /// <summary>num_hidden_groups: distinct parameter sets; layer i uses group ⌊i / (Layers / Groups)⌋.</summary>
    public int Groups { get; init; }
    /// <summary>inner_group_num: AlbertLayers per group, run one after the other in each application of the group.</summary>
    public int InnerGroupNum { get; init; }
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
    /// <summary>tie_word_embeddings (PretrainedConfig, default true): predictions.decoder shares the word embeddings.</summary>
    public bool TieWordEmbeddings { get; init; }

    public static AlbertConfig From(ConfigJson c)
    {
        int hidden = c.Int("hidden_size", 4096);
        int heads = c.Int("num_attention_heads", 64);
        int layers = c.Int("num_hidden_layers", 12);
        int groups = c.Int("num_hidden_groups", 1);
        int inner = c.Int("inner_group_num", 1);
        string posType = c.String("position_embedding_type", "absolute");
        if (posType is not ("absolute" or "relative_key" or "relative_key_query"))
            throw c.Unsupported("position_embedding_type", posType, "absolute, relative_key, relative_key_query");
        // AlbertTransformer divides by num_hidden_groups and runs inner_group_num layers per group: zero of either breaks HF's forward.
        if (groups <= 0) throw new CheckpointException(c.Path, "num_hidden_groups", $"must be positive, got {groups}.");
        if (inner <= 0) throw new CheckpointException(c.Path, "inner_group_num", $"must be positive, got {inner}.");
        if (layers < 0) throw new CheckpointException(c.Path, "num_hidden_layers", $"must not be negative, got {layers}.");
        int typeVocab = c.Int("type_vocab_size", 2);
        // AlbertEmbeddings always adds token_type_embeddings (ids default to 0), so the table needs at least one row.
        if (typeVocab <= 0) throw new CheckpointException(c.Path, "type_vocab_size", $"must be positive, got {typeVocab}.");
        return new AlbertConfig
        {
            VocabSize = c.Int("vocab_size", 30000),
            EmbeddingSize = c.Int("embedding_size", 128),
            HiddenSize = hidden,
            Layers = layers,
            Groups = groups,
            InnerGroupNum = inner,
            Heads = heads,
            // AlbertAttention skips its divisibility check (config always has embedding_size), but with a remainder
            // its dense layer could not take the all_head_size context, so HF fails in forward; we fail at load instead.
            HeadDim = ConfigFields.HeadDim(c, hidden, heads, "hidden_size", "num_attention_heads"),
            IntermediateSize = c.Int("intermediate_size", 16384),
            HiddenAct = ConfigFields.Activation(c, "hidden_act", "gelu_new"),
            MaxPositions = c.Int("max_position_embeddings", 512),
            TypeVocabSize = typeVocab,
            LayerNormEps = (float)c.Double("layer_norm_eps", 1e-12),
            PadTokenId = c.Int("pad_token_id", 0),
            PositionEmbeddingType = posType,
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
        };
    }

    /// <summary>
    /// The group that layer <paramref name="i"/> runs: int(i / (num_hidden_layers / num_hidden_groups)) in AlbertTransformer.forward,
    /// a float division in Python, reproduced in double so uneven splits pick the same group.
    /// </summary>
    public int GroupOf(int i) => (int)(i / ((double)Layers / Groups));
}
