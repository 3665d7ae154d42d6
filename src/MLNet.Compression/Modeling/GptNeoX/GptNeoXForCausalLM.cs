using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.GptNeoX;

/// <summary>
/// GPTNeoXForCausalLM (v4.36 modeling_gpt_neox.py; Pythia, GPT-NeoX-20B): embed_in, layers, final_layer_norm, embed_out
/// (untied by default; tied to embed_in when tie_word_embeddings).
/// </summary>
public sealed class GptNeoXForCausalLM : CausalLanguageModel
{
    private readonly GptNeoXConfig _cfg;
    private readonly LayerNorm _finalNorm;

    internal GptNeoXForCausalLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = GptNeoXConfig.From(config);
        Generation = DecoderConfigChecks.Generation(config, bos: 0, eos: 2);
        var w = new WeightLoader(source, "gpt_neox");
        int h = _cfg.HiddenSize;
        TokenEmbeddings = RegisterTensor("gpt_neox.embed_in.weight", w.Get("gpt_neox.embed_in.weight", _cfg.VocabSize, h)); // [vocab, hidden]
        DecoderLayers = RegisterAll(_cfg.Layers, i => new GptNeoXLayer(_cfg, w, $"gpt_neox.layers.{i}", i));
        _finalNorm = Register(w.LayerNorm("gpt_neox.final_layer_norm", h, _cfg.LayerNormEps));
        var headWeight = w.LmHead("embed_out.weight", TokenEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h); // [vocab, hidden]
        LmHead = Register(new Linear("embed_out", LayerRole.Head, new DenseWeight(headWeight), null));
        // Rotary on the first rotary_ndims = rotary_pct·head_dim channels of each head.
        Rope = new RotaryFactory(_cfg.RotaryDim, _cfg.RotaryEmbBase, _cfg.MaxPositions, _cfg.RopeScaling);
    }

    public override string ModelType => "gpt_neox";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public GptNeoXConfig GptNeoXConfig => _cfg;

    /// <summary>gpt_neox.final_layer_norm: [batch, seq, hidden].</summary>
    private protected override bool KeepsCache => true;

    private protected override Tensor Final(Tensor x) => _finalNorm.Forward(x);
}

/// <summary>Registers "gpt_neox".</summary>
public sealed class GptNeoXFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["gpt_neox"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new GptNeoXForCausalLM(config, weights);
}
