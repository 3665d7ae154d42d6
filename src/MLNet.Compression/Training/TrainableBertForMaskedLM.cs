using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Bert;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// BertForMaskedLM on the tape (transformers v4.36 models/bert/modeling_bert.py, dropout off): embeddings (word + position
/// + token type) → LayerNorm → post-LayerNorm encoder blocks → cls.predictions (dense → act → LayerNorm → decoder tied to
/// the word embeddings, plus cls.predictions.bias). Absolute positions only.
/// </summary>
public sealed class TrainableBertForMaskedLM : TrainableModel
{
    private readonly BertConfig _cfg;
    private readonly Variable _word;  // [vocab, hidden]
    private readonly Variable _pos;   // [maxPositions, hidden]
    private readonly Variable? _type; // [typeVocab, hidden]
    private readonly Variable _embNormW, _embNormB; // [hidden]
    private readonly Layer[] _layers;
    private readonly Variable _decoderBias;                // [vocab]
    private readonly Variable _transformW, _transformB;    // [hidden, hidden], [hidden]
    private readonly Variable _transformNormW, _transformNormB; // [hidden]

    private sealed record Layer(Variable Qw, Variable Qb, Variable Kw, Variable Kb, Variable Vw, Variable Vb, Variable Ow, Variable Ob,
        Variable AttnNormW, Variable AttnNormB, Variable InterW, Variable InterB, Variable OutW, Variable OutB, Variable OutNormW, Variable OutNormB);

    public TrainableBertForMaskedLM(ConfigJson config, ITensorSource w) : base(config)
    {
        _cfg = BertConfig.From(config);
        Require(config, _cfg.PositionEmbeddingType == "absolute", "position_embedding_type", "only \"absolute\"");
        Require(config, _cfg.TieWordEmbeddings, "tie_word_embeddings", "the decoder must be tied to the word embeddings");
        int h = _cfg.HiddenSize, inter = _cfg.IntermediateSize;
        _word = Add(w, "bert.embeddings.word_embeddings.weight", _cfg.VocabSize, h);
        _pos = Add(w, "bert.embeddings.position_embeddings.weight", _cfg.MaxPositions, h);
        if (_cfg.TypeVocabSize > 0) _type = Add(w, "bert.embeddings.token_type_embeddings.weight", _cfg.TypeVocabSize, h);
        _embNormW = Add(w, "bert.embeddings.LayerNorm.weight", h);
        _embNormB = Add(w, "bert.embeddings.LayerNorm.bias", h);
        _layers = new Layer[_cfg.Layers];
        for (int i = 0; i < _cfg.Layers; i++)
        {
            string p = $"bert.encoder.layer.{i}";
            _layers[i] = new Layer(
                Add(w, $"{p}.attention.self.query.weight", h, h), Add(w, $"{p}.attention.self.query.bias", h),
                Add(w, $"{p}.attention.self.key.weight", h, h), Add(w, $"{p}.attention.self.key.bias", h),
                Add(w, $"{p}.attention.self.value.weight", h, h), Add(w, $"{p}.attention.self.value.bias", h),
                Add(w, $"{p}.attention.output.dense.weight", h, h), Add(w, $"{p}.attention.output.dense.bias", h),
                Add(w, $"{p}.attention.output.LayerNorm.weight", h), Add(w, $"{p}.attention.output.LayerNorm.bias", h),
                Add(w, $"{p}.intermediate.dense.weight", inter, h), Add(w, $"{p}.intermediate.dense.bias", inter),
                Add(w, $"{p}.output.dense.weight", h, inter), Add(w, $"{p}.output.dense.bias", h),
                Add(w, $"{p}.output.LayerNorm.weight", h), Add(w, $"{p}.output.LayerNorm.bias", h));
        }
        // BertLMPredictionHead registers its bias before the transform's parameters (named_parameters order).
        _decoderBias = Add(w, "cls.predictions.bias", _cfg.VocabSize);
        _transformW = Add(w, "cls.predictions.transform.dense.weight", h, h);
        _transformB = Add(w, "cls.predictions.transform.dense.bias", h);
        _transformNormW = Add(w, "cls.predictions.transform.LayerNorm.weight", h);
        _transformNormB = Add(w, "cls.predictions.transform.LayerNorm.bias", h);
    }

    public override string ModelType => "bert";
    public override ModelKind Kind => ModelKind.MaskedLM;
    public BertConfig BertConfig => _cfg;

    public override Variable Loss(Tape tape, TrainingBatch batch)
    {
        batch.Validate();
        int b = batch.Batch, s = batch.Length, h = _cfg.HiddenSize, d = _cfg.HeadDim;
        if (s > _cfg.MaxPositions) throw new ArgumentException($"Rows of {s} tokens exceed max_position_embeddings = {_cfg.MaxPositions}.");
        var x = tape.Add(tape.Embedding(_word, batch.InputIds), tape.Embedding(_pos, Positions.Arange(b, s))); // [b·s, h]
        if (_type is not null) x = tape.Add(x, tape.Embedding(_type, batch.TokenTypeIds ?? new int[b * s]));
        x = tape.LayerNorm(x, _embNormW, _embNormB, _cfg.LayerNormEps);
        x = tape.Reshape(x, b, s, h); // [b, s, h]
        float scale = 1f / MathF.Sqrt(d);
        foreach (var l in _layers)
        {
            var q = tape.Linear(x, l.Qw, l.Qb); // [b, s, h]
            var k = tape.Linear(x, l.Kw, l.Kb);
            var v = tape.Linear(x, l.Vw, l.Vb);
            var ctx = tape.Attention(q, k, v, _cfg.Heads, _cfg.Heads, d, scale, batch.AttentionMask, causal: false); // [b, s, h]
            var h1 = tape.LayerNorm(tape.Add(tape.Linear(ctx, l.Ow, l.Ob), x), l.AttnNormW, l.AttnNormB, _cfg.LayerNormEps);
            var inter = tape.Activation(tape.Linear(h1, l.InterW, l.InterB), _cfg.HiddenAct); // [b, s, intermediate]
            x = tape.LayerNorm(tape.Add(tape.Linear(inter, l.OutW, l.OutB), h1), l.OutNormW, l.OutNormB, _cfg.LayerNormEps);
        }
        var (rows, targets) = LabelledRows(Targets(batch, shift: false));
        var picked = tape.GatherRows(x, rows); // [labelled, h]
        var t = tape.Activation(tape.Linear(picked, _transformW, _transformB), _cfg.HiddenAct);
        t = tape.LayerNorm(t, _transformNormW, _transformNormB, _cfg.LayerNormEps);
        var logits = tape.Linear(t, _word, _decoderBias); // [labelled, vocab]
        return tape.CrossEntropy(logits, targets);
    }
}
