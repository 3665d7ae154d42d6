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
    private readonly Tensor _embeddings; // [vocab, hidden]
    private readonly GptNeoXLayer[] _layers;
    private readonly LayerNorm _finalNorm;
    private readonly Linear _head;       // [vocab, hidden]
    private readonly RotaryFactory _rotary;

    internal GptNeoXForCausalLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = GptNeoXConfig.From(config);
        Generation = DecoderConfigChecks.Generation(config, bos: 0, eos: 2);
        var w = new WeightLoader(source, "gpt_neox");
        int h = _cfg.HiddenSize;
        _embeddings = RegisterTensor("gpt_neox.embed_in.weight", w.Get("gpt_neox.embed_in.weight", _cfg.VocabSize, h));
        _layers = new GptNeoXLayer[_cfg.Layers];
        for (int i = 0; i < _cfg.Layers; i++)
            _layers[i] = Register(new GptNeoXLayer(_cfg, w, $"gpt_neox.layers.{i}"));
        _finalNorm = Register(w.LayerNorm("gpt_neox.final_layer_norm", h, _cfg.LayerNormEps));
        var headWeight = w.LmHead("embed_out.weight", _embeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h);
        _head = Register(new Linear("embed_out", LayerRole.Head, new DenseWeight(headWeight), null));
        _rotary = new RotaryFactory(_cfg.RotaryDim, _cfg.RotaryEmbBase, _cfg.MaxPositions, _cfg.RopeScaling);
    }

    public override string ModelType => "gpt_neox";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public GptNeoXConfig GptNeoXConfig => _cfg;

    private protected override IReadOnlyList<IDecoderLayer> DecoderLayers => _layers;
    private protected override Linear LmHead => _head;

    private protected override DecoderStep BeginStep(TokenBatch tokens, int[] keyMask, int past, KeyValueCache? cache)
        => RotaryStep(tokens, keyMask, _rotary);

    private protected override Tensor Embed(ModelInput input, DecoderStep step) => EmbedTokens(_embeddings, input.Tokens); // [batch, seq, hidden]

    private protected override Tensor Final(Tensor x) => _finalNorm.Forward(x); // [batch, seq, hidden]
}

/// <summary>Registers "gpt_neox".</summary>
public sealed class GptNeoXFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["gpt_neox"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new GptNeoXForCausalLM(config, weights);
}
