using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>What an encoder hands to its decoder: the final states and the source padding mask the cross-attention keys use.</summary>
public sealed class Seq2SeqEncoding
{
    /// <summary>[batch, srcLength, hidden], after the encoder's final norm where the family has one.</summary>
    public required Tensor LastHiddenState { get; init; }

    /// <summary>[batch, srcLength], 1 for real source tokens.</summary>
    public required int[] Mask { get; init; }

    /// <summary>Encoder hidden states ([0] = embeddings, [i] = output of layer i) when they were asked for.</summary>
    public IReadOnlyList<Tensor> HiddenStates { get; init; } = [];

    public int Batch => LastHiddenState.Dim(0);
}

/// <summary>
/// An encoder-decoder LM (T5, BART). Forward is Encode then Decode; the split lets greedy decoding and seq2seq scorers
/// encode a source once and decode many times, with results identical to a full forward pass.
/// </summary>
public abstract class Seq2SeqLanguageModel : LanguageModel
{
    public sealed override ModelKind Kind => ModelKind.Seq2SeqLM;

    /// <summary>Runs the encoder: [batch, srcLength] ids → <see cref="Seq2SeqEncoding"/>.</summary>
    public abstract Seq2SeqEncoding Encode(TokenBatch tokens, bool outputHiddenStates = false);

    /// <summary>
    /// Runs the decoder over <paramref name="decoder"/> attending to <paramref name="encoding"/>; logits are
    /// [batch, tgtLength, vocab] or [positions, vocab] for <see cref="ForwardOptions.LogitPositions"/> (flat b·tgtLength + t).
    /// </summary>
    public abstract ModelOutput Decode(Seq2SeqEncoding encoding, TokenBatch decoder, ForwardOptions? options = null);

    /// <summary>Decoder ids used when the input has none (BART shifts the source right; T5 requires them).</summary>
    protected virtual TokenBatch DefaultDecoderInput(TokenBatch tokens)
        => throw new ArgumentException($"{ModelType}: the input has no decoder tokens (ModelInput.Decoder); an encoder-decoder model needs decoder_input_ids.");

    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null)
    {
        options ??= ForwardOptions.Default;
        var decoder = input.Decoder ?? DefaultDecoderInput(input.Tokens);
        if (decoder.Batch != input.Tokens.Batch)
            throw new ArgumentException($"{ModelType}: {input.Tokens.Batch} source rows but {decoder.Batch} decoder rows.");
        return Decode(Encode(input.Tokens, options.OutputHiddenStates), decoder, options);
    }
}

/// <summary>Config reading shared by the encoder-decoder families.</summary>
internal static class Seq2SeqConfig
{
    /// <summary>
    /// A special id with the config class's default when the field is absent; an explicit JSON null stays null,
    /// as passing None to the HF config constructor does.
    /// </summary>
    public static int? Id(ConfigJson c, string field, int? defaultValue)
        => c.Root.TryGetProperty(field, out _) ? c.IntOrNull(field) : defaultValue;

    /// <summary>eos_token_id may be an int or a list; absent → the class default, explicit null → none.</summary>
    public static int[] Ids(ConfigJson c, string field, int? defaultValue)
        => c.Root.TryGetProperty(field, out _) ? c.IntList(field) : defaultValue is int d ? [d] : [];
}
