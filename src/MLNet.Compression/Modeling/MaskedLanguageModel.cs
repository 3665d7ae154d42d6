using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// The prediction head the BERT-style masked LMs share (BertLMPredictionHead, RobertaLMHead, DistilBERT's vocab_* layers,
/// AlbertMLMHead): dense → activation → LayerNorm → decoder, the decoder usually tied to the word embeddings.
/// </summary>
internal sealed class MaskedLmHead(Linear transform, Activation activation, LayerNorm norm, Linear decoder) : CompositeModule
{
    public Linear Transform { get; } = transform;
    public LayerNorm Norm { get; } = norm;
    public Linear Decoder { get; } = decoder;

    /// <summary>dense, LayerNorm, decoder: the order the families register them in.</summary>
    public override IReadOnlyList<IModule> Modules => [Transform, Norm, Decoder];

    /// <summary>[rows, hidden] → [rows, vocab]</summary>
    public Tensor Forward(Tensor x)
    {
        var t = Transform.Forward(x);              // [rows, transformWidth]
        t = Activations.Apply(activation, t);
        return Decoder.Forward(Norm.Forward(t));   // [rows, vocab]
    }
}

/// <summary>
/// An encoder with a masked-LM head (BERT, RoBERTa, DistilBERT, ALBERT), or the same encoder bare (BertModel, …;
/// <see cref="ModelKind.Encoder"/>) when the checkpoint holds no head. Each family embeds its input its own way; the
/// encoder steps, the hidden states HF records, the head and a bare encoder's pooler are run here.
/// </summary>
public abstract class MaskedLanguageModel : LanguageModel
{
    public sealed override ModelKind Kind => Head is null ? ModelKind.Encoder : ModelKind.MaskedLM;

    /// <summary>The Hugging Face key prefixes of the masked-LM head ("cls." for BERT): what a bare encoder's checkpoint lacks.</summary>
    public abstract IReadOnlyList<string> HeadKeyPrefixes { get; }

    /// <summary>The base-model prefix of the encoder's keys ("bert"), which a bare checkpoint (BertModel.save_pretrained) leaves out.</summary>
    public abstract string BasePrefix { get; }

    /// <summary>The class of the bare model in config.json "architectures" ("BertModel").</summary>
    public abstract string BareArchitecture { get; }

    /// <summary>The prediction head, set by the family's constructor; null for a bare encoder.</summary>
    private protected MaskedLmHead? Head { get; init; }

    /// <summary>A bare encoder's pooler (BertPooler: dense + tanh over the first token), where the checkpoint has one.</summary>
    private protected Linear? Pooler { get; init; }

    /// <summary>
    /// Whether to build the masked-LM head: a checkpoint of the bare model (BertModel, RobertaModel, DistilBertModel,
    /// AlbertModel, sentence-transformers' module 0) has no head weights, so <paramref name="firstHeadKey"/> is absent; a
    /// random model follows config.json "architectures" (a bare *Model class builds no head).
    /// </summary>
    private protected static bool HasHead(WeightLoader w, ConfigJson config, string firstHeadKey)
    {
        if (w.Source is RandomWeights)
            return !(config.Root.TryGetProperty("architectures", out var a) && a.ValueKind == System.Text.Json.JsonValueKind.Array
                && a.EnumerateArray().Any(n => n.ValueKind == System.Text.Json.JsonValueKind.String && n.GetString()!.EndsWith("Model", StringComparison.Ordinal)));
        return w.Contains(firstHeadKey);
    }

    /// <summary>The pooler "{key}" of a bare encoder when the checkpoint has it (BertPooler, AlbertModel.pooler), registered.</summary>
    private protected Linear? LoadPooler(WeightLoader w, string key, int hidden)
        => w.Contains(key + ".weight") ? Register(w.Linear(key, LayerRole.Projection, hidden, hidden)) : null;

    /// <summary>
    /// Runs <paramref name="steps"/> encoder steps over the embedding output <paramref name="x"/> [batch, seq, hidden] and
    /// the head. Hidden states are recorded as the HF encoders do (BertEncoder, Transformer, AlbertTransformer): [0] is
    /// <paramref name="x"/>, then one entry per step; there is no final norm.
    /// </summary>
    private protected ModelOutput Encode(Tensor x, int steps, Func<int, Tensor, Tensor> step, ForwardOptions options)
    {
        var hidden = new List<Tensor>();
        if (options.OutputHiddenStates) hidden.Add(x);
        for (int i = 0; i < steps; i++)
        {
            x = step(i, x); // [batch, seq, hidden]
            if (options.OutputHiddenStates) hidden.Add(x);
        }
        if (Head is null)
        {
            Tensor? pooled = null;
            if (Pooler is not null)
            {
                int batch = x.Dim(0), seq = x.Dim(1);
                pooled = TensorOps.GatherRows(x, Enumerable.Range(0, batch).Select(b => b * seq).ToArray()); // [batch, hidden]
                pooled = Activations.Apply(Activation.Tanh, Pooler.Forward(pooled));                          // [batch, hidden]
            }
            return new ModelOutput { Logits = Tensor.Zeros(0), HiddenStates = hidden, LastHiddenState = x, PoolerOutput = pooled };
        }
        var logits = ProjectRows(x, options.LogitPositions, Head.Forward); // [batch, seq, vocab] or [positions, vocab]
        return new ModelOutput { Logits = logits, HiddenStates = hidden, LastHiddenState = x };
    }
}
