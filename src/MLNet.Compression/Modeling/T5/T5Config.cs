using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.T5;

/// <summary>
/// T5Config (transformers/models/t5/configuration_t5.py, v4.36) with its defaults. Covers T5 v1.0 (ReLU FFN, tied head
/// with d_model^-0.5 rescaling) and v1.1 / Flan-T5 (gated-gelu FFN, separate head).
/// </summary>
public sealed record T5Config
{
    public int VocabSize { get; init; }
    public int DModel { get; init; }
    /// <summary>Per-head width; the attention inner width is Heads·DKv and need not equal DModel.</summary>
    public int DKv { get; init; }
    public int DFf { get; init; }
    public int EncoderLayers { get; init; }
    public int DecoderLayers { get; init; }
    public int Heads { get; init; }
    public int RelativeAttentionNumBuckets { get; init; }
    public int RelativeAttentionMaxDistance { get; init; }
    public float LayerNormEps { get; init; }
    public string FeedForwardProj { get; init; } = "relu";
    /// <summary>The FFN activation (dense_act_fn).</summary>
    public Activation DenseAct { get; init; }
    /// <summary>Gated FFN (wi_0, wi_1, wo) instead of (wi, wo).</summary>
    public bool IsGatedAct { get; init; }
    /// <summary>lm_head shares shared.weight, and the decoder output is scaled by d_model^-0.5 before it.</summary>
    public bool TieWordEmbeddings { get; init; }
    public int? PadTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public int? DecoderStartTokenId { get; init; }

    public int InnerDim => Heads * DKv;

    public static T5Config From(ConfigJson c)
    {
        int layers = c.Int("num_layers", 6);
        int heads = c.Int("num_heads", 8);
        if (heads <= 0) throw new CheckpointException(c.Path, "num_heads", $"must be positive, got {heads}.");

        // feed_forward_proj is "{act}" or "gated-{act}"; anything else is rejected as T5Config.__init__ does.
        string proj = c.String("feed_forward_proj", "relu");
        string[] parts = proj.Split('-');
        if ((parts.Length > 1 && parts[0] != "gated") || parts.Length > 2)
            throw c.Unsupported("feed_forward_proj", proj, "\"{ACT_FN}\" or \"gated-{ACT_FN}\", e.g. \"relu\" or \"gated-gelu\"");
        string actName = proj == "gated-gelu" ? "gelu_new" : parts[^1]; // HF's backwards-compatibility remap
        bool gated = parts[0] == "gated";
        // T5Config passes unknown kwargs to PretrainedConfig after deriving these two, so values saved in
        // config.json (dense_act_fn, is_gated_act) override the derived ones.
        string actField = c.Has("dense_act_fn") ? "dense_act_fn" : "feed_forward_proj";
        actName = c.String("dense_act_fn", actName);
        gated = c.Bool("is_gated_act", gated);
        if (!Activations.TryParse(actName, out var act))
            throw c.Unsupported(actField, actName, "gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, relu, silu, swish, tanh, linear");

        int buckets = c.Int("relative_attention_num_buckets", 32);
        if (buckets < 2) throw new CheckpointException(c.Path, "relative_attention_num_buckets", $"must be at least 2, got {buckets}.");
        return new T5Config
        {
            VocabSize = c.Int("vocab_size", 32128),
            DModel = c.Int("d_model", 512),
            DKv = c.Int("d_kv", 64),
            DFf = c.Int("d_ff", 2048),
            EncoderLayers = layers,
            DecoderLayers = c.Int("num_decoder_layers", layers),
            Heads = heads,
            RelativeAttentionNumBuckets = buckets,
            RelativeAttentionMaxDistance = c.Int("relative_attention_max_distance", 128),
            LayerNormEps = (float)c.Double("layer_norm_epsilon", 1e-6),
            FeedForwardProj = proj,
            DenseAct = act,
            IsGatedAct = gated,
            TieWordEmbeddings = c.Bool("tie_word_embeddings", true),
            PadTokenId = Seq2SeqConfig.Id(c, "pad_token_id", 0),
            EosTokenIds = Seq2SeqConfig.Ids(c, "eos_token_id", 1),
            // Not a T5Config argument: PretrainedConfig's default None (generate then falls back to bos_token_id).
            DecoderStartTokenId = c.IntOrNull("decoder_start_token_id"),
        };
    }
}
