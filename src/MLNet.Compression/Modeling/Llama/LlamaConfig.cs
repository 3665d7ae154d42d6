using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Llama;

/// <summary>LlamaConfig (transformers v4.36 models/llama/configuration_llama.py) with its defaults.</summary>
public sealed record LlamaConfig
{
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int IntermediateSize { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    /// <summary>num_key_value_heads: fewer than <see cref="Heads"/> is grouped-query attention; defaults to Heads.</summary>
    public int KvHeads { get; init; }
    public int HeadDim { get; init; }
    public Activation HiddenAct { get; init; }
    /// <summary>Where dynamic rope scaling starts; rotary positions are otherwise unbounded.</summary>
    public int MaxPositions { get; init; }
    public float RmsNormEps { get; init; }
    public double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    /// <summary>Bias on q/k/v/o projections.</summary>
    public bool AttentionBias { get; init; }
    /// <summary>
    /// pretraining_tp &gt; 1 makes HF split each projection into slices and sum them: the same function up to float
    /// summation order, so it is read and otherwise ignored.
    /// </summary>
    public int PretrainingTp { get; init; }
    public bool TieWordEmbeddings { get; init; }

    public static LlamaConfig From(ConfigJson c)
    {
        int hidden = c.Int("hidden_size", 4096);
        int heads = c.Int("num_attention_heads", 32);
        int headDim = ConfigFields.HeadDim(c, hidden, heads, "hidden_size", "num_attention_heads");
        int kvHeads = c.Int("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new CheckpointException(c.Path, "num_key_value_heads", $"{kvHeads} does not divide num_attention_heads = {heads}.");
        if (headDim % 2 != 0)
            throw new CheckpointException(c.Path, "hidden_size", $"head dimension {headDim} is odd; rotary embeddings need an even one.");
        int tp = c.Int("pretraining_tp", 1);
        if (tp <= 0) throw new CheckpointException(c.Path, "pretraining_tp", $"must be positive, got {tp}.");
        DecoderConfigChecks.AttentionImplementation(c);
        return new LlamaConfig
        {
            VocabSize = c.Int("vocab_size", 32000),
            HiddenSize = hidden,
            IntermediateSize = c.Int("intermediate_size", 11008),
            Layers = c.Int("num_hidden_layers", 32),
            Heads = heads,
            KvHeads = kvHeads,
            HeadDim = headDim,
            HiddenAct = ConfigFields.Activation(c, "hidden_act", "silu"),
            MaxPositions = c.Int("max_position_embeddings", 2048),
            RmsNormEps = (float)c.Double("rms_norm_eps", 1e-6),
            RopeTheta = c.Double("rope_theta", 10000.0),
            RopeScaling = RopeScaling.From(c),
            AttentionBias = c.Bool("attention_bias", false),
            PretrainingTp = tp,
            TieWordEmbeddings = c.Bool("tie_word_embeddings", false),
        };
    }
}
