using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.DistilBert;

/// <summary>
/// DistilBertForMaskedLM (transformers/models/distilbert/modeling_distilbert.py, v4.36): word + position embeddings
/// (no token types) → LayerNorm, n_layers post-LN blocks, then vocab_transform → activation → vocab_layer_norm →
/// vocab_projector, whose weight is the word embedding table when tie_word_embeddings is set.
/// </summary>
public sealed class DistilBertForMaskedLM : MaskedLanguageModel
{
    private const string Base = "distilbert";
    private readonly DistilBertConfig _cfg;
    private readonly Tensor _wordEmbeddings;     // [vocab, dim]
    private readonly Tensor _positionEmbeddings; // [maxPositions, dim]
    private readonly LayerNorm _embeddingNorm;
    private readonly PostLnEncoderLayer[] _layers;

    /// <summary>
    /// TransformerBlock's key names (modeling_distilbert.py): MultiHeadSelfAttention (q_lin, k_lin, v_lin, out_lin) → + x →
    /// sa_layer_norm, then FFN (lin1 → activation → lin2) → + residual → output_layer_norm. No relative positions.
    /// </summary>
    private static readonly PostLnEncoderKeys LayerKeys = new(
        "attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm",
        "ffn.lin1", "ffn.lin2", "output_layer_norm", DistanceEmbedding: null);

    internal DistilBertForMaskedLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        Generation = GenerationConfig.From(config);
        _cfg = DistilBertConfig.From(config);
        var w = new WeightLoader(source, Base);
        int d = _cfg.Dim;
        string e = $"{Base}.embeddings";
        _wordEmbeddings = RegisterTensor($"{e}.word_embeddings.weight", w.Get($"{e}.word_embeddings.weight", _cfg.VocabSize, d));
        // With sinusoidal_pos_embds HF fills the table at construction and still saves it as a parameter, so a stored table
        // wins (as from_pretrained would load it); only a checkpoint without it gets the sinusoid computed here.
        string posKey = $"{e}.position_embeddings.weight";
        var positions = _cfg.SinusoidalPositions
            ? w.TryGet(posKey, _cfg.MaxPositions, d) ?? SinusoidalTable(_cfg.MaxPositions, d)
            : w.Get(posKey, _cfg.MaxPositions, d);
        _positionEmbeddings = RegisterTensor(posKey, positions);
        _embeddingNorm = Register(w.LayerNorm($"{e}.LayerNorm", d, DistilBertConfig.LayerNormEps));

        var shape = new PostLnEncoderShape(d, _cfg.HiddenDim, _cfg.HeadDim, _cfg.Activation, DistilBertConfig.LayerNormEps);
        _layers = RegisterAll(_cfg.Layers, i => new PostLnEncoderLayer(w, $"{Base}.transformer.layer.{i}", LayerKeys, shape));

        if (!HasHead(w, config, "vocab_transform.weight")) return;   // DistilBertModel: no head and no pooler
        var transform = w.Linear("vocab_transform", LayerRole.Head, d, d);
        var transformNorm = w.LayerNorm("vocab_layer_norm", d, DistilBertConfig.LayerNormEps);
        // save_pretrained drops vocab_projector.weight when it is tied; tying makes it the very same tensor as the embeddings.
        var projectorWeight = w.LmHead("vocab_projector.weight", _wordEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, d);
        var projector = new Linear("vocab_projector", LayerRole.Head, new DenseWeight(projectorWeight), w.Vector("vocab_projector.bias", _cfg.VocabSize));
        // vocab_transform → activation → vocab_layer_norm → vocab_projector (DistilBertForMaskedLM.forward).
        Head = Register(new MaskedLmHead(transform, _cfg.Activation, transformNorm, projector));
    }

    public override string ModelType => "distilbert";
    public override IReadOnlyList<string> HeadKeyPrefixes => ["vocab_transform.", "vocab_layer_norm.", "vocab_projector."];
    public override string BasePrefix => Base;
    public override string BareArchitecture => "DistilBertModel";
    public override int HiddenSize => _cfg.Dim;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public override int? MaxPositions => _cfg.MaxPositions;
    public DistilBertConfig DistilBertConfig => _cfg;

    /// <summary>
    /// DistilBERT takes no token_type_ids (DistilBertModel.forward has no such argument), so <see cref="ModelInput.TokenTypeIds"/> is not read.
    /// </summary>
    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var tokens = input.Tokens;
        int batch = tokens.Batch, seq = tokens.Length, d = _cfg.Dim;
        if (seq > _cfg.MaxPositions)
            throw new ArgumentException($"Input of {seq} tokens exceeds max_position_embeddings = {_cfg.MaxPositions} of this distilbert model.");

        // Embeddings.forward: position_ids = 0..seq-1 for every row, whatever the padding.
        var x = TensorOps.Embedding(_wordEmbeddings, tokens.Ids);                                 // [batch·seq, dim]
        x = TensorOps.Add(x, TensorOps.Embedding(_positionEmbeddings, Positions.Arange(batch, seq)));
        x = _embeddingNorm.Forward(x.Reshape(batch, seq, d));                                     // [batch, seq, dim]

        return Encode(x, _layers.Length, (i, state) => _layers[i].Forward(state, tokens.Mask), options);
    }

    /// <summary>
    /// create_sinusoidal_embeddings: angle(pos, j) = pos / 10000^(2·⌊j/2⌋ / dim); even columns take sin, odd columns cos.
    /// Computed in double and rounded once, as HF builds it in numpy float64. Returns [nPos, dim].
    /// </summary>
    internal static Tensor SinusoidalTable(int nPos, int dim)
    {
        var table = Tensor.Zeros(nPos, dim);
        var s = table.Span;
        for (int pos = 0; pos < nPos; pos++)
            for (int j = 0; j < dim; j++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * (j / 2) / dim);
                s[pos * dim + j] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        return table;
    }
}

/// <summary>Registers "distilbert".</summary>
public sealed class DistilBertFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["distilbert"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new DistilBertForMaskedLM(config, weights);
}
