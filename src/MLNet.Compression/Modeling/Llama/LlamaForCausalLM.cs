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
    private readonly Tensor _embeddings;   // [vocab, hidden]
    private readonly LlamaDecoderLayer[] _layers;
    private readonly RmsNorm _norm;
    private readonly Linear _head;         // [vocab, hidden]
    private readonly RotaryFactory _rotary;

    internal LlamaForCausalLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = LlamaConfig.From(config);
        Generation = DecoderConfigChecks.Generation(config, bos: 1, eos: 2);
        var w = new WeightLoader(source, "model");
        int h = _cfg.HiddenSize;
        _embeddings = RegisterTensor("model.embed_tokens.weight", w.Get("model.embed_tokens.weight", _cfg.VocabSize, h));
        _layers = new LlamaDecoderLayer[_cfg.Layers];
        for (int i = 0; i < _cfg.Layers; i++)
            _layers[i] = Register(new LlamaDecoderLayer(_cfg, w, $"model.layers.{i}"));
        _norm = Register(new RmsNorm("model.norm", w.Vector("model.norm.weight", h), _cfg.RmsNormEps));
        // tie_weights() makes lm_head share embed_tokens; HF drops the head key when saving a tied model.
        var headWeight = w.LmHead("lm_head.weight", _embeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h);
        _head = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(headWeight), null));
        _rotary = new RotaryFactory(_cfg.HeadDim, _cfg.RopeTheta, _cfg.MaxPositions, _cfg.RopeScaling);
    }

    public override string ModelType => "llama";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public LlamaConfig LlamaConfig => _cfg;

    private protected override IReadOnlyList<IDecoderLayer> DecoderLayers => _layers;
    private protected override Linear LmHead => _head;

    private protected override DecoderStep BeginStep(TokenBatch tokens, int[] keyMask, int past, KeyValueCache? cache)
        => RotaryStep(tokens, keyMask, _rotary);

    private protected override Tensor Embed(ModelInput input, DecoderStep step) => EmbedTokens(_embeddings, input.Tokens); // [batch, seq, hidden]

    private protected override Tensor Final(Tensor x) => _norm.Forward(x); // [batch, seq, hidden]
}

/// <summary>Registers "llama".</summary>
public sealed class LlamaFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["llama"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new LlamaForCausalLM(config, weights);
}
