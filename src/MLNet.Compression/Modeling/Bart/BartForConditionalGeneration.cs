using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Bart;

/// <summary>
/// BartForConditionalGeneration (modeling_bart.py, v4.36): model.shared feeds both stacks (optionally scaled by
/// √d_model); each stack adds learned positions (arange + 2, independent of the mask), applies layernorm_embedding,
/// then post-norm layers; there is no final stack norm. The LM head is tied to model.shared and the
/// final_logits_bias buffer is added to its output.
/// </summary>
public sealed class BartForConditionalGeneration : Seq2SeqLanguageModel
{
    private readonly BartConfig _cfg;
    private readonly Tensor _shared;             // [vocab, d_model]
    private readonly Tensor _encoderPositions;   // [maxPositions + 2, d_model]
    private readonly LayerNorm _encoderEmbedNorm;
    private readonly BartLayer[] _encoder;
    private readonly Tensor _decoderPositions;   // [maxPositions + 2, d_model]
    private readonly LayerNorm _decoderEmbedNorm;
    private readonly BartLayer[] _decoder;
    private readonly Linear _lmHead;
    private readonly Tensor _finalLogitsBias;    // [1, vocab]

    internal BartForConditionalGeneration(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = BartConfig.From(config);
        Generation = new GenerationConfig
        {
            BosTokenId = _cfg.BosTokenId,
            EosTokenIds = _cfg.EosTokenIds,
            PadTokenId = _cfg.PadTokenId,
            DecoderStartTokenId = _cfg.DecoderStartTokenId,
            ForcedBosTokenId = _cfg.ForcedBosTokenId,
            ForcedEosTokenId = _cfg.ForcedEosTokenId,
        };
        var w = new WeightLoader(source, "model");
        int d = _cfg.DModel, vocab = _cfg.VocabSize, positions = _cfg.MaxPositions + BartConfig.PositionOffset;

        // The encoder's and decoder's embed_tokens share model.shared's weight; HF saves only model.shared.weight.
        _shared = RegisterTensor("model.shared.weight", w.GetTied("model.shared.weight", "model.encoder.embed_tokens.weight", vocab, d));

        _encoderPositions = RegisterTensor("model.encoder.embed_positions.weight", w.Get("model.encoder.embed_positions.weight", positions, d));
        _encoder = RegisterAll(_cfg.EncoderLayers, i => new BartLayer(_cfg, w, $"model.encoder.layers.{i}", isDecoder: false));
        _encoderEmbedNorm = Register(w.LayerNorm("model.encoder.layernorm_embedding", d, BartConfig.LayerNormEps));

        _decoderPositions = RegisterTensor("model.decoder.embed_positions.weight", w.Get("model.decoder.embed_positions.weight", positions, d));
        _decoder = RegisterAll(_cfg.DecoderLayers, i => new BartLayer(_cfg, w, $"model.decoder.layers.{i}", isDecoder: true));
        _decoderEmbedNorm = Register(w.LayerNorm("model.decoder.layernorm_embedding", d, BartConfig.LayerNormEps));

        // tie_weights() makes lm_head.weight the shared tensor whatever the checkpoint holds under lm_head.
        var head = w.LmHead("lm_head.weight", _shared, _cfg.TieWordEmbeddings, vocab, d);
        _lmHead = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(head), null));
        // A registered buffer initialised to zeros; older checkpoints may lack it.
        _finalLogitsBias = RegisterBuffer("final_logits_bias", w.TryGet("final_logits_bias", 1, vocab) ?? Tensor.Zeros(1, vocab));
    }

    public override string ModelType => "bart";
    public override int HiddenSize => _cfg.DModel;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.EncoderLayers + _cfg.DecoderLayers;
    public override int? MaxPositions => _cfg.MaxPositions;
    public BartConfig BartConfig => _cfg;

    public override Seq2SeqEncoding Encode(TokenBatch tokens, bool outputHiddenStates = false)
    {
        var states = new List<Tensor>();
        // Encoder self-attention: padding only (_prepare_4d_attention_mask).
        var h = RunStack(_encoder, _encoderPositions, _encoderEmbedNorm, tokens, new AttentionMask(tokens.Mask, false), null, outputHiddenStates ? states : null);
        return new Seq2SeqEncoding { LastHiddenState = h, Mask = tokens.Mask, HiddenStates = states };
    }

    public override ModelOutput Decode(Seq2SeqEncoding encoding, TokenBatch decoder, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        if (decoder.Batch != encoding.Batch)
            throw new ArgumentException($"bart: {encoding.Batch} encoded rows but {decoder.Batch} decoder rows.");
        var states = new List<Tensor>();
        // Decoder self-attention: causal plus decoder padding (_prepare_4d_causal_attention_mask).
        var h = RunStack(_decoder, _decoderPositions, _decoderEmbedNorm, decoder, new AttentionMask(decoder.Mask, true), encoding, options.OutputHiddenStates ? states : null);
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
            throw new ArgumentException($"bart: {encoding.Batch} encoded rows but {decoder.Batch} decoder rows.");
        int past = cache.Self.Advance(decoder);
        var states = new List<Tensor>();
        var h = RunStack(_decoder, _decoderPositions, _decoderEmbedNorm, decoder, new AttentionMask(cache.Self.Mask, true, past), encoding,
                         options.OutputHiddenStates ? states : null, cache); // [batch, t, d]
        return new ModelOutput
        {
            Logits = ProjectRows(h, options.LogitPositions, Head),
            LastHiddenState = h,
            DecoderHiddenStates = states,
            EncoderHiddenStates = encoding.HiddenStates,
            EncoderLastHiddenState = encoding.LastHiddenState,
        };
    }

    /// <summary>
    /// shift_tokens_right: BartModel builds decoder_input_ids from input_ids when none are given:
    /// [decoder_start, ids[:-1]] with -100 replaced by pad, and no decoder padding mask.
    /// </summary>
    protected override TokenBatch DefaultDecoderInput(TokenBatch tokens)
    {
        int start = _cfg.DecoderStartTokenId ?? throw new ArgumentException("bart: no decoder_input_ids were given and config.json has no decoder_start_token_id to shift the input with.");
        int pad = _cfg.PadTokenId ?? throw new ArgumentException("bart: no decoder_input_ids were given and config.json has no pad_token_id to shift the input with.");
        int batch = tokens.Batch, t = tokens.Length;
        var ids = new int[batch * t];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < t; i++)
            {
                int id = i == 0 ? start : tokens.Ids[b * t + i - 1];
                ids[b * t + i] = id == -100 ? pad : id;
            }
        return new TokenBatch(batch, t, ids);
    }

    /// <summary>
    /// BartEncoder / BartDecoder forward: ids [batch, t] → [batch, t, d]. Hidden states are collected before each layer
    /// and after the last one. With a decoder cache the tokens follow mask.PastLength cached positions.
    /// </summary>
    private Tensor RunStack(BartLayer[] layers, Tensor positionTable, LayerNorm embedNorm, TokenBatch tokens, AttentionMask mask, Seq2SeqEncoding? encoder,
                            List<Tensor>? states, Seq2SeqDecoderCache? cache = null)
    {
        int batch = tokens.Batch, t = tokens.Length, d = _cfg.DModel, past = mask.PastLength;
        if (past + t > _cfg.MaxPositions)
            throw new ArgumentException($"Input of {past + t} tokens exceeds max_position_embeddings = {_cfg.MaxPositions} of this bart model.");
        var x = TensorOps.Embedding(_shared, tokens.Ids); // [batch·t, d]
        if (_cfg.ScaleEmbedding) x = TensorOps.Scale(x, (float)Math.Sqrt(d));
        // BartLearnedPositionalEmbedding: arange(past, past + t) + 2 for every row, whatever the padding.
        var pos = Positions.Arange(batch, t, past: BartConfig.PositionOffset + past);
        x = TensorOps.Add(x, TensorOps.Embedding(positionTable, pos));
        var h = embedNorm.Forward(x.Reshape(batch, t, d)); // [batch, t, d]
        for (int i = 0; i < layers.Length; i++)
        {
            states?.Add(h);
            h = layers[i].Forward(h, mask, encoder, cache, i);
        }
        states?.Add(h);
        return h;
    }

    /// <summary>[rows, d] → [rows, vocab]: lm_head(x) + final_logits_bias.</summary>
    private Tensor Head(Tensor x)
    {
        var logits = _lmHead.Forward(x); // [rows, vocab]
        return TensorOps.Add(logits, _finalLogitsBias.Reshape(_finalLogitsBias.Length));
    }
}

/// <summary>Registers "bart".</summary>
public sealed class BartFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["bart"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new BartForConditionalGeneration(config, weights);
}
