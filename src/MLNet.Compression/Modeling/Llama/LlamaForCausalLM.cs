using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Llama;

/// <summary>
/// LlamaForCausalLM (v4.36 modeling_llama.py): token embeddings, decoder layers, final RMSNorm, lm_head
/// (tied to the embeddings when tie_word_embeddings). Also what llama2.c checkpoints load into.
/// </summary>
public sealed class LlamaForCausalLM : LanguageModel
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
        {
            _layers[i] = new LlamaDecoderLayer(_cfg, w, $"model.layers.{i}");
            foreach (var m in _layers[i].Modules()) Register(m);
        }
        _norm = Register(new RmsNorm("model.norm", w.Vector("model.norm.weight", h), _cfg.RmsNormEps));
        // tie_weights() makes lm_head share embed_tokens; HF drops the head key when saving a tied model.
        var headWeight = w.LmHead("lm_head.weight", _embeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h);
        _head = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(headWeight), null));
        _rotary = new RotaryFactory(_cfg.HeadDim, _cfg.RopeTheta, _cfg.MaxPositions, _cfg.RopeScaling);
    }

    public override string ModelType => "llama";
    public override ModelKind Kind => ModelKind.CausalLM;
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public LlamaConfig LlamaConfig => _cfg;

    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var tokens = input.Tokens;
        int batch = tokens.Batch, seq = tokens.Length, h = _cfg.HiddenSize;
        // LlamaModel.forward in v4.36 numbers positions arange(seq) whatever the padding (generate() alone derives them from the mask).
        int[] positions = Positions.Arange(batch, seq);
        var rotary = _rotary.For(seq);

        var x = TensorOps.Embedding(_embeddings, tokens.Ids).Reshape(batch, seq, h); // [batch, seq, hidden]
        var hidden = new List<Tensor>();
        foreach (var layer in _layers)
        {
            if (options.OutputHiddenStates) hidden.Add(x);
            x = layer.Forward(x, tokens.Mask, positions, rotary);
        }
        x = _norm.Forward(x); // [batch, seq, hidden]
        // HF appends the final-norm output as the last hidden state.
        if (options.OutputHiddenStates) hidden.Add(x);
        var logits = ProjectRows(x, options.LogitPositions, _head.Forward); // [batch, seq, vocab] or [positions, vocab]
        return new ModelOutput { Logits = logits, HiddenStates = hidden, LastHiddenState = x };
    }
}

/// <summary>Registers "llama".</summary>
public sealed class LlamaFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["llama"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new LlamaForCausalLM(config, weights);
}
