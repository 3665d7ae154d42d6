using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.GptNeoX;

/// <summary>GPTNeoXConfig (transformers v4.36 models/gpt_neox/configuration_gpt_neox.py) with its defaults.</summary>
public sealed record GptNeoXConfig
{
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    public int HeadDim { get; init; }
    public int IntermediateSize { get; init; }
    public Activation HiddenAct { get; init; }
    /// <summary>rotary_pct: the fraction of each head's channels that is rotated.</summary>
    public double RotaryPct { get; init; }
    /// <summary>int(head_size · rotary_pct), as GPTNeoXAttention computes it; the rest of the head passes through.</summary>
    public int RotaryDim { get; init; }
    public double RotaryEmbBase { get; init; }
    /// <summary>Where dynamic rope scaling starts; rotary positions are otherwise unbounded (HF grows its causal buffer).</summary>
    public int MaxPositions { get; init; }
    public float LayerNormEps { get; init; }
    /// <summary>x + attn(ln1(x)) + mlp(ln2(x)) when true; x' = x + attn(ln1(x)), x' + mlp(ln2(x')) when false.</summary>
    public bool UseParallelResidual { get; init; }
    /// <summary>Bias on query_key_value and dense.</summary>
    public bool AttentionBias { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    public bool TieWordEmbeddings { get; init; }

    public static GptNeoXConfig From(ConfigJson c)
    {
        int hidden = c.Int("hidden_size", 6144);
        int heads = c.Int("num_attention_heads", 64);
        int headDim = ConfigFields.HeadDim(c, hidden, heads, "hidden_size", "num_attention_heads");
        double pct = c.Double("rotary_pct", 0.25);
        if (pct < 0 || pct > 1) throw new CheckpointException(c.Path, "rotary_pct", $"must lie in [0, 1], got {pct}.");
        int rotaryDim = (int)(headDim * pct);
        // HF's rotate_half concatenates two copies of dim/2 frequencies, which only lines up with an even rotary_ndims.
        if (rotaryDim % 2 != 0)
            throw new CheckpointException(c.Path, "rotary_pct", $"int(head_size {headDim} × {pct}) = {rotaryDim} rotary channels is odd; rotary embeddings need an even count.");
        DecoderConfigChecks.AttentionImplementation(c);
        return new GptNeoXConfig
        {
            VocabSize = c.Int("vocab_size", 50432),
            HiddenSize = hidden,
            Layers = c.Int("num_hidden_layers", 44),
            Heads = heads,
            HeadDim = headDim,
            IntermediateSize = c.Int("intermediate_size", 24576),
            HiddenAct = ConfigFields.Activation(c, "hidden_act", "gelu"),
            RotaryPct = pct,
            RotaryDim = rotaryDim,
            RotaryEmbBase = c.Double("rotary_emb_base", 10000),
            MaxPositions = c.Int("max_position_embeddings", 2048),
            LayerNormEps = (float)c.Double("layer_norm_eps", 1e-5),
            UseParallelResidual = c.Bool("use_parallel_residual", true),
            AttentionBias = c.Bool("attention_bias", true),
            RopeScaling = RopeScaling.From(c),
            TieWordEmbeddings = c.Bool("tie_word_embeddings", false),
        };
    }
}
