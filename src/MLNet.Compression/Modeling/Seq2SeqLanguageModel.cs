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

    /// <summary>
    /// A cache for incremental decoding against <paramref name="encoding"/> (<see cref="DecodeCached"/>); null where the
    /// family recomputes the whole target each step.
    /// </summary>
    public virtual Seq2SeqDecoderCache? CreateDecoderCache(Seq2SeqEncoding encoding) => null;

    /// <summary>
    /// Runs the decoder tokens that follow those already in <paramref name="cache"/> and appends their self-attention keys
    /// and values; the cross-attention keys and values of the encoder output are projected at the first step and kept.
    /// Logits, hidden states and LogitPositions refer to the new tokens only; the numbers are those of <see cref="Decode"/>
    /// over the whole target.
    /// </summary>
    public virtual ModelOutput DecodeCached(Seq2SeqDecoderCache cache, TokenBatch decoder, ForwardOptions? options = null)
        => throw new NotSupportedException($"{ModelType} does not keep a decoder cache; call Decode with the whole target.");

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

/// <summary>
/// What incremental decoding keeps between steps (HF's EncoderDecoderCache): the decoder's self-attention keys and values
/// per layer, and each layer's cross-attention keys and values of the encoder output, projected once.
/// </summary>
public sealed class Seq2SeqDecoderCache
{
    private readonly (Tensor Keys, Tensor Values)?[] _cross;

    public Seq2SeqDecoderCache(Seq2SeqEncoding encoding, int layers)
    {
        Encoding = encoding;
        Self = new KeyValueCache(layers);
        _cross = new (Tensor, Tensor)?[layers];
    }

    /// <summary>The encoder output the decoder attends to.</summary>
    public Seq2SeqEncoding Encoding { get; }

    /// <summary>Self-attention keys and values of the target positions decoded so far.</summary>
    public KeyValueCache Self { get; }

    /// <summary>Layer <paramref name="layer"/>'s cross-attention keys and values, [batch, srcLength, width] each, projected by <paramref name="project"/> on first use.</summary>
    public (Tensor Keys, Tensor Values) Cross(int layer, Func<(Tensor Keys, Tensor Values)> project) => _cross[layer] ??= project();
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
