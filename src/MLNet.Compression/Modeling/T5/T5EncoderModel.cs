using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.T5;

/// <summary>
/// T5EncoderModel (modeling_t5.py): the shared token embedding and the encoder stack of T5, no decoder and no LM head —
/// the checkpoints of T5-based sentence encoders (sentence-T5, GTR) and of text encoders that feed other models. A bare
/// encoder (<see cref="ModelKind.Encoder"/>): Forward gives the hidden states and empty logits. The weights keep their
/// T5ForConditionalGeneration names (shared.weight, encoder.block.N.…), so the encoder half of a full checkpoint and
/// this model's layers are named alike.
/// </summary>
public sealed class T5EncoderModel : LanguageModel
{
    /// <summary>The class name config.json "architectures" gives this model.</summary>
    public const string Architecture = "T5EncoderModel";

    private readonly T5Config _cfg;
    private readonly Tensor _shared; // [vocab, d_model]
    private readonly T5Block[] _encoder;
    private readonly RmsNorm _encoderNorm;

    internal T5EncoderModel(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = T5Config.From(config);
        Generation = new GenerationConfig { EosTokenIds = _cfg.EosTokenIds, PadTokenId = _cfg.PadTokenId };
        var w = new WeightLoader(source);
        int d = _cfg.DModel, vocab = _cfg.VocabSize;
        _shared = RegisterTensor("shared.weight", w.GetTied("shared.weight", "encoder.embed_tokens.weight", vocab, d));
        _encoder = RegisterAll(_cfg.EncoderLayers, i => new T5Block(_cfg, w, $"encoder.block.{i}", isDecoder: false, hasRelativeBias: i == 0));
        _encoderNorm = Register(T5Block.Norm(w, "encoder.final_layer_norm", d, _cfg.LayerNormEps));
    }

    public override string ModelType => "t5";
    public override ModelKind Kind => ModelKind.Encoder;
    public override int HiddenSize => _cfg.DModel;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.EncoderLayers;
    public T5Config T5Config => _cfg;

    /// <summary>ids [batch, t] → last hidden state [batch, t, d_model] (after the final norm) and, when asked, every hidden state.</summary>
    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var states = new List<Tensor>();
        var h = T5Block.RunStack(_cfg, _shared, _encoder, _encoderNorm, input.Tokens, new AttentionMask(input.Tokens.Mask, false), null,
                                 options.OutputHiddenStates ? states : null);
        return new ModelOutput { Logits = Tensor.Zeros(0), HiddenStates = states, LastHiddenState = h };
    }
}
