using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Albert;

/// <summary>
/// AlbertForMaskedLM (transformers/models/albert/modeling_albert.py, v4.36; Lan et al. 2019, "ALBERT", §3.1):
/// factorized embeddings of width embedding_size → LayerNorm → encoder.embedding_hidden_mapping_in up to hidden_size,
/// num_hidden_layers applications of num_hidden_groups shared layer groups (each inner_group_num AlbertLayers), then
/// AlbertMLMHead: dense (hidden → embedding_size) → activation → LayerNorm → decoder tied to the word embeddings, + predictions.bias.
/// </summary>
public sealed class AlbertForMaskedLM : MaskedLanguageModel
{
    private const string Base = "albert";
    private readonly AlbertConfig _cfg;
    private readonly Tensor _wordEmbeddings;      // [vocab, embeddingSize]
    private readonly Tensor? _positionEmbeddings; // [maxPositions, embeddingSize]; unused by the relative position types
    private readonly Tensor _typeEmbeddings;      // [typeVocab, embeddingSize]
    private readonly LayerNorm _embeddingNorm;
    private readonly Linear _mappingIn;
    private readonly PostLnEncoderLayer[][] _groups; // [numHiddenGroups][innerGroupNum]

    /// <summary>
    /// AlbertLayer's key names: AlbertAttention (query, key, value → dense → + x → attention.LayerNorm), then
    /// ffn → activation → ffn_output → + residual → full_layer_layer_norm.
    /// </summary>
    private static readonly PostLnEncoderKeys LayerKeys = new(
        "attention.query", "attention.key", "attention.value", "attention.dense", "attention.LayerNorm",
        "ffn", "ffn_output", "full_layer_layer_norm", "attention.distance_embedding");

    internal AlbertForMaskedLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        Generation = GenerationConfig.From(config);
        _cfg = AlbertConfig.From(config);
        var w = new WeightLoader(source, Base);
        int e = _cfg.EmbeddingSize, h = _cfg.HiddenSize;
        string emb = $"{Base}.embeddings";
        _wordEmbeddings = RegisterTensor($"{emb}.word_embeddings.weight", w.Get($"{emb}.word_embeddings.weight", _cfg.VocabSize, e));
        // AlbertEmbeddings always owns a position table but adds it only for "absolute"; a relative-position checkpoint may omit it.
        string posKey = $"{emb}.position_embeddings.weight";
        if (_cfg.PositionEmbeddingType == "absolute" || w.Contains(posKey))
            _positionEmbeddings = RegisterTensor(posKey, w.Get(posKey, _cfg.MaxPositions, e));
        _typeEmbeddings = RegisterTensor($"{emb}.token_type_embeddings.weight", w.Get($"{emb}.token_type_embeddings.weight", _cfg.TypeVocabSize, e));
        _embeddingNorm = Register(w.LayerNorm($"{emb}.LayerNorm", e, _cfg.LayerNormEps));
        _mappingIn = Register(w.Linear($"{Base}.encoder.embedding_hidden_mapping_in", LayerRole.Projection, e, h));

        // Every group is a parameter set of its own, loaded and registered once however many layers reuse it.
        // Unlike BertSelfAttention, AlbertAttention adds the relative scores after dividing q·kᵀ by √headDim (and after the
        // padding mask), so they are not scaled.
        var shape = new PostLnEncoderShape(h, _cfg.IntermediateSize, _cfg.HeadDim, _cfg.HiddenAct, _cfg.LayerNormEps,
            RelativeDistance.For(_cfg.PositionEmbeddingType, _cfg.MaxPositions, scaleLikeScores: false));
        // Every group is a parameter set of its own, loaded and registered once however many layers reuse it.
        _groups = new PostLnEncoderLayer[_cfg.Groups][];
        for (int g = 0; g < _cfg.Groups; g++)
            _groups[g] = RegisterAll(_cfg.InnerGroupNum, j => new PostLnEncoderLayer(w, $"{Base}.encoder.albert_layer_groups.{g}.albert_layers.{j}", LayerKeys, shape));

        if (!HasHead(w, config, "predictions.dense.weight"))
        {
            Pooler = LoadPooler(w, $"{Base}.pooler", h);   // AlbertModel: pooler = dense + tanh over the first token
            return;
        }
        var transform = w.Linear("predictions.dense", LayerRole.Head, h, e);
        // v4.36 builds this LayerNorm with eps=config.layer_norm_eps like the others.
        var transformNorm = w.LayerNorm("predictions.LayerNorm", e, _cfg.LayerNormEps);
        // save_pretrained drops predictions.decoder.weight (tied to the word embeddings) and predictions.decoder.bias
        // (the same Parameter as predictions.bias); either name of the bias is accepted.
        var decoderWeight = w.LmHead("predictions.decoder.weight", _wordEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, e);
        var bias = w.TryVector("predictions.bias", _cfg.VocabSize) ?? w.Vector("predictions.decoder.bias", _cfg.VocabSize);
        Head = Register(new MaskedLmHead(transform, _cfg.HiddenAct, transformNorm,
            new Linear("predictions.decoder", LayerRole.Head, new DenseWeight(decoderWeight), bias)));
    }

    public override string ModelType => "albert";
    public override IReadOnlyList<string> HeadKeyPrefixes => ["predictions."];
    public override string BasePrefix => Base;
    public override string BareArchitecture => "AlbertModel";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    /// <summary>num_hidden_layers: the number of group applications, i.e. hidden states after the embeddings.</summary>
    public override int LayerCount => _cfg.Layers;
    public override int? MaxPositions => _cfg.MaxPositions;
    public AlbertConfig AlbertConfig => _cfg;

    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var tokens = input.Tokens;
        int batch = tokens.Batch, seq = tokens.Length;
        // Absolute tables have max_position_embeddings rows and distance tables cover |t − s| < max_position_embeddings.
        if (seq > _cfg.MaxPositions)
            throw new ArgumentException($"Input of {seq} tokens exceeds max_position_embeddings = {_cfg.MaxPositions} of this albert model.");

        // AlbertEmbeddings.forward: word + token type (0 when not given) + absolute position (0..seq-1), LayerNorm.
        var x = TensorOps.Embedding(_wordEmbeddings, tokens.Ids);                                   // [batch·seq, embeddingSize]
        x = TensorOps.Add(x, TensorOps.Embedding(_typeEmbeddings, input.TokenTypeIds ?? new int[batch * seq]));
        if (_cfg.PositionEmbeddingType == "absolute")
            x = TensorOps.Add(x, TensorOps.Embedding(_positionEmbeddings!, Positions.Arange(batch, seq)));
        x = _embeddingNorm.Forward(x.Reshape(batch, seq, _cfg.EmbeddingSize));                      // [batch, seq, embeddingSize]

        // AlbertTransformer.forward: hidden_states[0] is the projected embeddings; one entry per outer layer, none per inner layer.
        x = _mappingIn.Forward(x);                                                                  // [batch, seq, hidden]
        return Encode(x, _cfg.Layers, (i, state) =>
        {
            foreach (var layer in _groups[_cfg.GroupOf(i)])
                state = layer.Forward(state, tokens.Mask);                                          // [batch, seq, hidden]
            return state;
        }, options);
    }
}

/// <summary>Registers "albert".</summary>
public sealed class AlbertFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["albert"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new AlbertForMaskedLM(config, weights);
}
