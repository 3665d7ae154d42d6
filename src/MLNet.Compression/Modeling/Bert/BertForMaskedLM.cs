using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Bert;

/// <summary>
/// BERT and RoBERTa with their masked-LM heads (BertForMaskedLM, RobertaForMaskedLM), or bare (BertModel, RobertaModel)
/// when the checkpoint has no head. The two differ only in key names, position numbering (RoBERTa counts from
/// padding_idx + 1 over non-pad tokens) and the head's module names.
/// </summary>
public sealed class BertForMaskedLM : MaskedLanguageModel
{
    private readonly BertConfig _cfg;
    private readonly bool _roberta;
    private readonly Tensor _wordEmbeddings;   // [vocab, hidden]
    private readonly Tensor _positionEmbeddings; // [maxPositions, hidden]
    private readonly Tensor? _typeEmbeddings;  // [typeVocab, hidden]
    private readonly LayerNorm _embeddingNorm;
    private readonly PostLnEncoderLayer[] _layers;

    /// <summary>BertLayer's key names (modeling_bert.py); RobertaLayer's are the same.</summary>
    private static readonly PostLnEncoderKeys LayerKeys = new(
        "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
        "intermediate.dense", "output.dense", "output.LayerNorm", "attention.self.distance_embedding");

    internal BertForMaskedLM(ConfigJson config, ITensorSource source, bool roberta)
    {
        Config = config;
        Generation = GenerationConfig.From(config);
        _roberta = roberta;
        _cfg = BertConfig.From(config, defaultPad: roberta ? 1 : 0);
        string basePrefix = roberta ? "roberta" : "bert";
        var w = new WeightLoader(source, basePrefix);
        int h = _cfg.HiddenSize;
        string e = $"{basePrefix}.embeddings";
        _wordEmbeddings = RegisterTensor($"{e}.word_embeddings.weight", w.Get($"{e}.word_embeddings.weight", _cfg.VocabSize, h));
        if (!_cfg.PositionEmbeddingType.StartsWith("relative", StringComparison.Ordinal) || w.Contains($"{e}.position_embeddings.weight"))
            _positionEmbeddings = RegisterTensor($"{e}.position_embeddings.weight", w.Get($"{e}.position_embeddings.weight", _cfg.MaxPositions, h));
        else
            _positionEmbeddings = Tensor.Zeros(_cfg.MaxPositions, h);
        if (_cfg.TypeVocabSize > 0)
            _typeEmbeddings = RegisterTensor($"{e}.token_type_embeddings.weight", w.Get($"{e}.token_type_embeddings.weight", _cfg.TypeVocabSize, h));
        _embeddingNorm = Register(w.LayerNorm($"{e}.LayerNorm", h, _cfg.LayerNormEps));
        // BertSelfAttention adds the relative scores before dividing by √headDim, so they are scaled with the scores.
        var shape = new PostLnEncoderShape(h, _cfg.IntermediateSize, _cfg.HeadDim, _cfg.HiddenAct, _cfg.LayerNormEps,
            RelativeDistance.For(_cfg.PositionEmbeddingType, _cfg.MaxPositions, scaleLikeScores: true));
        _layers = RegisterAll(_cfg.Layers, i => new PostLnEncoderLayer(w, $"{basePrefix}.encoder.layer.{i}", LayerKeys, shape));

        // Head: BertOnlyMLMHead (cls.predictions.*) or RobertaLMHead (lm_head.*); the decoder is tied to the word embeddings.
        // A bare BertModel / RobertaModel has none, and keeps its pooler instead.
        string head = roberta ? "lm_head" : "cls.predictions.transform";
        if (!HasHead(w, config, $"{head}.dense.weight"))
        {
            Pooler = LoadPooler(w, $"{basePrefix}.pooler.dense", h);
            return;
        }
        var transform = w.Linear($"{head}.dense", LayerRole.Head, h, h);
        var transformNorm = w.LayerNorm(roberta ? "lm_head.layer_norm" : $"{head}.LayerNorm", h, _cfg.LayerNormEps);
        string decoder = roberta ? "lm_head.decoder" : "cls.predictions.decoder";
        string biasKey = roberta ? "lm_head.bias" : "cls.predictions.bias";
        var decoderWeight = w.LmHead($"{decoder}.weight", _wordEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h);
        var bias = w.TryVector($"{decoder}.bias", _cfg.VocabSize) ?? w.Vector(biasKey, _cfg.VocabSize);
        // BERT's transform uses hidden_act; RoBERTa's lm_head always uses exact gelu.
        Head = Register(new MaskedLmHead(transform, roberta ? Activation.Gelu : _cfg.HiddenAct, transformNorm,
            new Linear(decoder, LayerRole.Head, new DenseWeight(decoderWeight), bias)));
    }

    public override string ModelType => _roberta ? "roberta" : "bert";
    public override IReadOnlyList<string> HeadKeyPrefixes => _roberta ? ["lm_head."] : ["cls."];
    public override string BasePrefix => _roberta ? "roberta" : "bert";
    public override string BareArchitecture => _roberta ? "RobertaModel" : "BertModel";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public override int? MaxPositions => _roberta ? _cfg.MaxPositions - _cfg.PadTokenId - 1 : _cfg.MaxPositions;
    public BertConfig BertConfig => _cfg;

    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var tokens = input.Tokens;
        int batch = tokens.Batch, seq = tokens.Length, h = _cfg.HiddenSize;
        int[] positions = _roberta ? RobertaPositions(tokens) : Positions.Arange(batch, seq);
        if (positions.Max() >= _cfg.MaxPositions)
            throw new ArgumentException($"Input of {seq} tokens exceeds max_position_embeddings = {_cfg.MaxPositions} of this {ModelType} model.");

        // [batch·seq, hidden]
        var x = TensorOps.Embedding(_wordEmbeddings, tokens.Ids);
        if (_cfg.PositionEmbeddingType == "absolute")
            x = TensorOps.Add(x, TensorOps.Embedding(_positionEmbeddings, positions));
        if (_typeEmbeddings is not null)
            x = TensorOps.Add(x, TensorOps.Embedding(_typeEmbeddings, input.TokenTypeIds ?? new int[batch * seq]));
        x = _embeddingNorm.Forward(x.Reshape(batch, seq, h)); // [batch, seq, hidden]

        return Encode(x, _layers.Length, (i, state) => _layers[i].Forward(state, tokens.Mask), options);
    }

    /// <summary>create_position_ids_from_input_ids: padding_idx + cumsum(ids != padding_idx) over non-pad tokens, padding_idx for pads.</summary>
    private int[] RobertaPositions(TokenBatch tokens)
    {
        var notPad = tokens.Ids.Select(id => id != _cfg.PadTokenId ? 1 : 0).ToArray();
        return Positions.FromMask(notPad, tokens.Batch, tokens.Length, _cfg.PadTokenId + 1, _cfg.PadTokenId);
    }
}

/// <summary>Registers "bert" and "roberta".</summary>
public sealed class BertFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["bert", "roberta"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights)
        => new BertForMaskedLM(config, weights, roberta: config.String("model_type") == "roberta");
}
