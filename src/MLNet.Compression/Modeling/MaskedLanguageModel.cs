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
/// An encoder with a masked-LM head (BERT, RoBERTa, DistilBERT, ALBERT). Each family embeds its input its own way; the
/// encoder steps, the hidden states HF records and the head are run here.
/// </summary>
public abstract class MaskedLanguageModel : LanguageModel
{
    public sealed override ModelKind Kind => ModelKind.MaskedLM;

    /// <summary>The prediction head; set by the family's constructor.</summary>
    private protected MaskedLmHead Head { get; init; } = null!;

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
        var logits = ProjectRows(x, options.LogitPositions, Head.Forward); // [batch, seq, vocab] or [positions, vocab]
        return new ModelOutput { Logits = logits, HiddenStates = hidden, LastHiddenState = x };
    }
}
