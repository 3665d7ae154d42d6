using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>Logits and, when asked for, hidden states, named as Hugging Face names them.</summary>
public sealed class ModelOutput
{
    /// <summary>
    /// [batch, length, vocab], or [positions, vocab] when <see cref="ForwardOptions.LogitPositions"/> was given; an empty
    /// tensor for a bare encoder (<see cref="ModelKind.Encoder"/>), which has no LM head.
    /// </summary>
    public required Tensor Logits { get; init; }

    /// <summary>A bare encoder's pooler output (tanh(dense(first token))), [batch, hidden]; null without a pooler.</summary>
    public Tensor? PoolerOutput { get; init; }

    /// <summary>Decoder-only and encoder-only models: [0] = embeddings fed to layer 0, [i] = output of layer i (the last after the final norm where the family has one).</summary>
    public IReadOnlyList<Tensor> HiddenStates { get; init; } = [];

    /// <summary>Seq2seq models: encoder hidden states, same convention.</summary>
    public IReadOnlyList<Tensor> EncoderHiddenStates { get; init; } = [];

    /// <summary>Seq2seq models: decoder hidden states, same convention.</summary>
    public IReadOnlyList<Tensor> DecoderHiddenStates { get; init; } = [];

    /// <summary>The last hidden state before the LM head, [batch, length, hidden] (decoder side for seq2seq).</summary>
    public Tensor? LastHiddenState { get; init; }

    /// <summary>Seq2seq: the encoder's final output, [batch, srcLength, hidden].</summary>
    public Tensor? EncoderLastHiddenState { get; init; }
}
