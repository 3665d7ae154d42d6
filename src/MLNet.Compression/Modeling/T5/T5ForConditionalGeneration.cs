using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.T5;

/// <summary>
/// T5ForConditionalGeneration (modeling_t5.py, v4.36): a shared token embedding feeding an encoder stack and a decoder
/// stack (T5Stack: blocks, then final_layer_norm), and an LM head. Positions enter only through the relative attention
/// bias. With tie_word_embeddings the head is shared.weight and the decoder output is first scaled by d_model^-0.5
/// (Mesh TensorFlow's convention); v1.1 checkpoints set it false and have their own lm_head.
/// </summary>
public sealed class T5ForConditionalGeneration : Seq2SeqLanguageModel
{
    private readonly T5Config _cfg;
    private readonly Tensor _shared; // [vocab, d_model]
    private readonly T5Block[] _encoder;
    private readonly RmsNorm _encoderNorm;
    private readonly T5Block[] _decoder;
    private readonly RmsNorm _decoderNorm;
    private readonly Linear _lmHead;

    internal T5ForConditionalGeneration(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = T5Config.From(config);
        Generation = new GenerationConfig
        {
            BosTokenId = config.IntOrNull("bos_token_id"),
            EosTokenIds = _cfg.EosTokenIds,
            PadTokenId = _cfg.PadTokenId,
            DecoderStartTokenId = _cfg.DecoderStartTokenId,
            ForcedBosTokenId = config.IntOrNull("forced_bos_token_id"),
            ForcedEosTokenId = config.IntOrNull("forced_eos_token_id"),
        };
        var w = new WeightLoader(source);
        int d = _cfg.DModel, vocab = _cfg.VocabSize;

        // encoder.embed_tokens and decoder.embed_tokens are the shared module itself; HF saves only shared.weight.
        _shared = RegisterTensor("shared.weight", w.GetTied("shared.weight", "encoder.embed_tokens.weight", vocab, d));

        _encoder = RegisterAll(_cfg.EncoderLayers, i => new T5Block(_cfg, w, $"encoder.block.{i}", isDecoder: false, hasRelativeBias: i == 0));
        _encoderNorm = Register(T5Block.Norm(w, "encoder.final_layer_norm", d, _cfg.LayerNormEps));

        _decoder = RegisterAll(_cfg.DecoderLayers, i => new T5Block(_cfg, w, $"decoder.block.{i}", isDecoder: true, hasRelativeBias: i == 0));
        _decoderNorm = Register(T5Block.Norm(w, "decoder.final_layer_norm", d, _cfg.LayerNormEps));

        // tie_weights() makes lm_head.weight the shared tensor whatever the checkpoint holds under lm_head.
        var head = w.LmHead("lm_head.weight", _shared, _cfg.TieWordEmbeddings, vocab, d);
        _lmHead = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(head), null));
    }

    public override string ModelType => "t5";
    public override int HiddenSize => _cfg.DModel;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.EncoderLayers + _cfg.DecoderLayers;
    public T5Config T5Config => _cfg;

    public override Seq2SeqEncoding Encode(TokenBatch tokens, bool outputHiddenStates = false)
    {
        var states = new List<Tensor>();
        var h = RunStack(_encoder, _encoderNorm, tokens, new AttentionMask(tokens.Mask, false), null, outputHiddenStates ? states : null);
        return new Seq2SeqEncoding { LastHiddenState = h, Mask = tokens.Mask, HiddenStates = states };
    }

    public override ModelOutput Decode(Seq2SeqEncoding encoding, TokenBatch decoder, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        if (decoder.Batch != encoding.Batch)
            throw new ArgumentException($"t5: {encoding.Batch} encoded rows but {decoder.Batch} decoder rows.");
        var states = new List<Tensor>();
        // Decoder self-attention: causal and decoder padding (create_extended_attention_mask_for_decoder).
        var h = RunStack(_decoder, _decoderNorm, decoder, new AttentionMask(decoder.Mask, true), encoding, options.OutputHiddenStates ? states : null);
        var logits = ProjectRows(h, options.LogitPositions, Head);
        return new ModelOutput
        {
            Logits = logits,
            LastHiddenState = h,
            DecoderHiddenStates = states,
            EncoderHiddenStates = encoding.HiddenStates,
            EncoderLastHiddenState = encoding.LastHiddenState,
        };
    }

    public override Seq2SeqDecoderCache CreateDecoderCache(Seq2SeqEncoding encoding) => new(encoding, _decoder.Length);

    public override ModelOutput DecodeCached(Seq2SeqDecoderCache cache, TokenBatch decoder, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var encoding = cache.Encoding;
        if (decoder.Batch != encoding.Batch)
            throw new ArgumentException($"t5: {encoding.Batch} encoded rows but {decoder.Batch} decoder rows.");
        int past = cache.Self.Advance(decoder);
        var states = new List<Tensor>();
        var h = T5Block.RunStack(_cfg, _shared, _decoder, _decoderNorm, decoder, new AttentionMask(cache.Self.Mask, true, past), encoding,
                                 options.OutputHiddenStates ? states : null, cache); // [batch, t, d_model]
        return new ModelOutput
        {
            Logits = ProjectRows(h, options.LogitPositions, Head),
            LastHiddenState = h,
            DecoderHiddenStates = states,
            EncoderHiddenStates = encoding.HiddenStates,
            EncoderLastHiddenState = encoding.LastHiddenState,
        };
    }

    private Tensor RunStack(T5Block[] blocks, RmsNorm finalNorm, TokenBatch tokens, AttentionMask mask, Seq2SeqEncoding? encoder, List<Tensor>? states)
        => T5Block.RunStack(_cfg, _shared, blocks, finalNorm, tokens, mask, encoder, states);

    /// <summary>[rows, d_model] → [rows, vocab]</summary>
    private Tensor Head(Tensor x)
    {
        if (_cfg.TieWordEmbeddings)
        {
            x = TensorOps.Scale(TensorOps.Copy(x), (float)Math.Pow(_cfg.DModel, -0.5)); // x stays the last hidden state
        }
        return _lmHead.Forward(x);
    }
}

/// <summary>
/// Registers "t5": T5ForConditionalGeneration, or <see cref="T5EncoderModel"/> for a checkpoint without a decoder
/// (T5EncoderModel.save_pretrained: sentence-T5, GTR and other T5 embedding models). A random model follows
/// config.json "architectures".
/// </summary>
public sealed class T5Family : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["t5"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights)
        => IsEncoderOnly(config, weights) ? new T5EncoderModel(config, weights) : new T5ForConditionalGeneration(config, weights);

    private static bool IsEncoderOnly(ConfigJson config, ITensorSource weights)
    {
        if (weights is RandomWeights)
            return config.Root.TryGetProperty("architectures", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Array
                && a.EnumerateArray().Any(n => n.ValueKind == System.Text.Json.JsonValueKind.String && n.GetString() == T5EncoderModel.Architecture);
        return !new WeightLoader(weights).Contains("decoder.final_layer_norm.weight");
    }
}
