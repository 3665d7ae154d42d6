using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Albert;
using MLNet.Compression.Modeling.Bert;
using MLNet.Compression.Modeling.DistilBert;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Export.Onnx;

/// <summary>A model's weights by Hugging Face name: the emitters read the model through the same keys a checkpoint has.</summary>
internal sealed class ModelParts
{
    private readonly Dictionary<string, Linear> _linears;
    private readonly Dictionary<string, Tensor> _tensors;

    public ModelParts(LanguageModel model)
    {
        _linears = model.Linears.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _tensors = model.OtherTensors.GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
    }

    public Linear Linear(string name) => _linears.TryGetValue(name, out var l) ? l
        : throw new InvalidOperationException($"ONNX export: the model has no linear layer {name}.");

    public Linear? TryLinear(string name) => _linears.GetValueOrDefault(name);

    public Tensor Tensor(string key) => _tensors.TryGetValue(key, out var t) ? t
        : throw new InvalidOperationException($"ONNX export: the model has no weight {key}.");

    public Tensor? TryTensor(string key) => _tensors.GetValueOrDefault(key);

    /// <summary>The LayerNorm "{name}.weight" / "{name}.bias" with the family's eps (either part may be absent).</summary>
    public LayerNorm LayerNorm(string name, float eps) => new(name, TryTensor(name + ".weight")?.Data, TryTensor(name + ".bias")?.Data, eps);
}

/// <summary>
/// BERT, RoBERTa, DistilBERT and ALBERT as one ONNX graph, mirroring their forward passes (Modeling/Bert, DistilBert,
/// Albert and the shared PostLnEncoderLayer/MaskedLanguageModel): inputs input_ids and attention_mask [batch, sequence]
/// (token_type_ids for BERT and ALBERT, as optimum's exporter has them), output logits [batch, sequence, vocab] for a
/// masked LM, or last_hidden_state [batch, sequence, hidden] and pooler_output [batch, hidden] for a bare encoder.
/// </summary>
internal static class EncoderEmitter
{
    private sealed record Spec(string Base, string Embeddings, string LayerPrefix, string[] LayerKeys, Activation Act, float Eps,
        int Hidden, int HeadDim, int TypeVocab, int Width)
    {
        public bool RobertaPositions { get; init; }
        public int PadTokenId { get; init; }
        public Func<int, string[]>? AlbertLayers { get; init; }
        public string? MappingIn { get; init; }
        public string? Pooler { get; init; }
        public (string Transform, string Norm, string Decoder, Activation Act)? Head { get; init; }
    }

    /// <param name="encoderOnly">leave a masked LM's head out: last_hidden_state is the output</param>
    public static void Emit(MaskedLanguageModel model, OnnxLayers L, bool encoderOnly = false)
    {
        var g = L.Graph;
        var parts = new ModelParts(model);
        var spec = SpecOf(model);
        if (encoderOnly) spec = spec with { Head = null };

        string ids = g.Input("input_ids", OnnxType.Int64, "batch_size", "sequence_length");
        string mask = g.Input("attention_mask", OnnxType.Int64, "batch_size", "sequence_length");
        string? types = spec.TypeVocab > 0 && !spec.RobertaPositions ? g.Input("token_type_ids", OnnxType.Int64, "batch_size", "sequence_length") : null;

        // Embeddings: word + position (+ token type) → LayerNorm: [batch, seq, width].
        string x = L.Embedding(ids, $"{spec.Embeddings}.word_embeddings.weight", parts.Tensor($"{spec.Embeddings}.word_embeddings.weight"));
        string positions;
        if (spec.RobertaPositions)
        {
            // create_position_ids_from_input_ids: padding_idx + cumsum(ids ≠ pad)·(ids ≠ pad).
            string notPad = g.Node("Cast", [g.Node("Not", [g.Node("Equal", [ids, g.Int64Scalar(spec.PadTokenId)])])], ("to", (long)OnnxType.Int64));
            string cum = g.Node("Mul", [g.Node("CumSum", [notPad, g.Int64Scalar(1)]), notPad]);
            positions = g.Node("Add", [cum, g.Int64Scalar(spec.PadTokenId)]);                         // [batch, seq]
        }
        else positions = g.Node("Range", [g.Int64Scalar(0), L.Dim(ids, 1), g.Int64Scalar(1)]);       // [seq]
        x = g.Node("Add", [x, L.Embedding(positions, $"{spec.Embeddings}.position_embeddings.weight", parts.Tensor($"{spec.Embeddings}.position_embeddings.weight"))]);
        if (spec.TypeVocab > 0)
        {
            string typeKey = $"{spec.Embeddings}.token_type_embeddings.weight";
            // RoBERTa's forward gets no token types: all rows read type 0.
            string typeIds = types ?? g.Node("Mul", [ids, g.Int64Scalar(0)]);
            x = g.Node("Add", [x, L.Embedding(typeIds, typeKey, parts.Tensor(typeKey))]);
        }
        x = L.LayerNorm(x, parts.LayerNorm($"{spec.Embeddings}.LayerNorm", spec.Eps), spec.Width); // [batch, seq, width]
        if (spec.MappingIn is not null) x = L.Linear(x, parts.Linear(spec.MappingIn));             // [batch, seq, hidden]

        // Padded keys are masked for every query: bool [batch, 1, 1, seq].
        string allowed = g.Node("Unsqueeze", [g.Node("Cast", [mask], ("to", (long)OnnxType.Bool)), g.Int64s(1, 2)]);
        for (int i = 0; i < model.LayerCount; i++)
            foreach (var prefix in spec.AlbertLayers?.Invoke(i) ?? [$"{spec.LayerPrefix}.{i}"])
                x = Layer(L, parts, x, allowed, prefix, spec);                                        // [batch, seq, hidden]

        if (spec.Head is { } head)
        {
            string t = L.Linear(x, parts.Linear(head.Transform));
            t = L.Activation(t, head.Act);
            t = L.LayerNorm(t, parts.LayerNorm(head.Norm, spec.Eps), parts.Linear(head.Transform).OutFeatures);
            string logits = L.Linear(t, parts.Linear(head.Decoder));                                   // [batch, seq, vocab]
            g.Output(logits, "logits", OnnxType.Float, "batch_size", "sequence_length", model.VocabSize);
            return;
        }
        g.Output(x, "last_hidden_state", OnnxType.Float, "batch_size", "sequence_length", spec.Hidden);
        if (spec.Pooler is not null && parts.TryLinear(spec.Pooler) is { } pooler)
        {
            // BertPooler: tanh(dense(first token)): [batch, hidden].
            string first = g.Node("Gather", [x, g.Int64Scalar(0)], ("axis", 1L));
            g.Output(L.Activation(L.Linear(first, pooler), Activation.Tanh), "pooler_output", OnnxType.Float, "batch_size", spec.Hidden);
        }
    }

    /// <summary>PostLnEncoderLayer.Forward: attention → + x → LayerNorm, up → act → down → + → LayerNorm: [batch, seq, hidden].</summary>
    private static string Layer(OnnxLayers L, ModelParts parts, string x, string allowed, string p, Spec spec)
    {
        var g = L.Graph;
        var k = spec.LayerKeys; // query, key, value, attention output, attention norm, up, down, output norm
        var query = parts.Linear($"{p}.{k[0]}");
        int d = spec.HeadDim, heads = query.OutFeatures / d; // from the weight: head pruning removes heads for real
        string q = L.SplitHeads(L.Linear(x, query), heads, d);                        // [batch, seq, heads, d]
        string key = L.SplitHeads(L.Linear(x, parts.Linear($"{p}.{k[1]}")), heads, d);
        string value = L.SplitHeads(L.Linear(x, parts.Linear($"{p}.{k[2]}")), heads, d);
        var (ctx, _, _) = L.Attention(q, key, value, heads, heads, d, 1f / MathF.Sqrt(d), allowed); // [batch, seq, heads·d]
        string attn = g.Node("Add", [L.Linear(ctx, parts.Linear($"{p}.{k[3]}")), x]);
        attn = L.LayerNorm(attn, parts.LayerNorm($"{p}.{k[4]}", spec.Eps), spec.Hidden);  // [batch, seq, hidden]
        string inner = L.Activation(L.Linear(attn, parts.Linear($"{p}.{k[5]}")), spec.Act); // [batch, seq, intermediate]
        string ffn = g.Node("Add", [L.Linear(inner, parts.Linear($"{p}.{k[6]}")), attn]);
        return L.LayerNorm(ffn, parts.LayerNorm($"{p}.{k[7]}", spec.Eps), spec.Hidden);   // [batch, seq, hidden]
    }

    private static Spec SpecOf(MaskedLanguageModel model)
    {
        bool head = model.Kind == ModelKind.MaskedLM;
        switch (model)
        {
            case BertForMaskedLM bert:
            {
                var c = bert.BertConfig;
                if (c.PositionEmbeddingType != "absolute")
                    throw new NotSupportedException($"ONNX export of position_embedding_type {c.PositionEmbeddingType} is not supported (only absolute positions).");
                bool roberta = model.ModelType == "roberta";
                string b = roberta ? "roberta" : "bert";
                return new Spec(b, $"{b}.embeddings", $"{b}.encoder.layer",
                    ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                     "intermediate.dense", "output.dense", "output.LayerNorm"],
                    c.HiddenAct, c.LayerNormEps, c.HiddenSize, c.HeadDim, c.TypeVocabSize, c.HiddenSize)
                {
                    RobertaPositions = roberta,
                    PadTokenId = c.PadTokenId,
                    Pooler = $"{b}.pooler.dense",
                    Head = !head ? null : roberta
                        ? ("lm_head.dense", "lm_head.layer_norm", "lm_head.decoder", Activation.Gelu)
                        : ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.decoder", c.HiddenAct),
                };
            }
            case DistilBertForMaskedLM distil:
            {
                var c = distil.DistilBertConfig;
                return new Spec("distilbert", "distilbert.embeddings", "distilbert.transformer.layer",
                    ["attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2", "output_layer_norm"],
                    c.Activation, DistilBertConfig.LayerNormEps, c.Dim, c.HeadDim, 0, c.Dim)
                {
                    Head = head ? ("vocab_transform", "vocab_layer_norm", "vocab_projector", c.Activation) : null,
                };
            }
            case AlbertForMaskedLM albert:
            {
                var c = albert.AlbertConfig;
                if (c.PositionEmbeddingType != "absolute")
                    throw new NotSupportedException($"ONNX export of position_embedding_type {c.PositionEmbeddingType} is not supported (only absolute positions).");
                // AlbertTransformer: layer i applies group GroupOf(i), each inner_group_num shared AlbertLayers.
                return new Spec("albert", "albert.embeddings", "", ["attention.query", "attention.key", "attention.value", "attention.dense",
                    "attention.LayerNorm", "ffn", "ffn_output", "full_layer_layer_norm"], c.HiddenAct, c.LayerNormEps, c.HiddenSize, c.HeadDim,
                    c.TypeVocabSize, c.EmbeddingSize)
                {
                    AlbertLayers = i => Enumerable.Range(0, c.InnerGroupNum).Select(j => $"albert.encoder.albert_layer_groups.{c.GroupOf(i)}.albert_layers.{j}").ToArray(),
                    MappingIn = "albert.encoder.embedding_hidden_mapping_in",
                    Pooler = "albert.pooler",
                    Head = head ? ("predictions.dense", "predictions.LayerNorm", "predictions.decoder", c.HiddenAct) : null,
                };
            }
            default:
                throw new NotSupportedException($"ONNX export of {model.ModelType} encoders is not supported.");
        }
    }
}
