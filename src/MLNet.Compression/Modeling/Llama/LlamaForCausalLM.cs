using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Llama;

/// <summary>
/// LlamaForCausalLM (v4.36 modeling_llama.py): token embeddings, decoder layers, final RMSNorm, lm_head
/// (tied to the embeddings when tie_word_embeddings). Also what llama2.c checkpoints load into.
/// </summary>
public sealed class LlamaForCausalLM : CausalLanguageModel
{
    private readonly LlamaConfig _cfg;
    private readonly RmsNorm _norm;

    internal LlamaForCausalLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = LlamaConfig.From(config);
        Generation = DecoderConfigChecks.Generation(config, bos: 1, eos: 2);
        var w = new WeightLoader(source, "model");
        int h = _cfg.HiddenSize;
        TokenEmbeddings = RegisterTensor("model.embed_tokens.weight", w.Get("model.embed_tokens.weight", _cfg.VocabSize, h)); // [vocab, hidden]
        DecoderLayers = RegisterAll(_cfg.Layers, i => new LlamaDecoderLayer(_cfg, w, $"model.layers.{i}", i));
        _norm = Register(new RmsNorm("model.norm", w.Vector("model.norm.weight", h), _cfg.RmsNormEps));
        // tie_weights() makes lm_head share embed_tokens; HF drops the head key when saving a tied model.
        var headWeight = w.LmHead("lm_head.weight", TokenEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h); // [vocab, hidden]
        LmHead = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(headWeight), null));
        Rope = new RotaryFactory(_cfg.HeadDim, _cfg.RopeTheta, _cfg.MaxPositions, _cfg.RopeScaling);
    }

    public override string ModelType => "llama";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public LlamaConfig LlamaConfig => _cfg;

    /// <summary>model.norm (LlamaRMSNorm): [batch, seq, hidden].</summary>
    private protected override bool KeepsCache => true;

    private protected override Tensor Final(Tensor x) => _norm.Forward(x);
}

/// <summary>Registers "llama".</summary>
public sealed class LlamaFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["llama"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new LlamaForCausalLM(config, weights);
}
