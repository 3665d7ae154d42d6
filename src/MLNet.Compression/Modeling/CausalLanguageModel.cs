using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>What every layer of one decoder step shares.</summary>
/// <param name="KeyMask">[batch, past + seq]: the attention mask of every key position, cached ones first.</param>
/// <param name="Past">Positions already in <paramref name="Cache"/> before this step.</param>
/// <param name="Cache">Where the layers append their keys and values; null for a full forward pass.</param>
internal sealed record DecoderStep(int[] KeyMask, int Past, KeyValueCache? Cache)
{
    /// <summary>[batch, seq] position ids of the new tokens, for families that rotate q and k by position.</summary>
    public int[]? PositionIds { get; init; }

    /// <summary>The rotary embedding for this pass (GPT-NeoX, Llama).</summary>
    public Rotary? Rotary { get; init; }
}

/// <summary>One decoder layer: [batch, seq, hidden] → [batch, seq, hidden].</summary>
internal interface IDecoderLayer : IModule
{
    Tensor Forward(Tensor x, DecoderStep step);
}

/// <summary>
/// A decoder-only LM (GPT-2, GPT-NeoX, OPT, Llama). Each family embeds its tokens and defines its layers and final norm;
/// the shell runs them as every HF *ForCausalLM does: embeddings → layers (hidden states recorded before each layer) →
/// final norm (its output recorded as the last hidden state) → LM head on the rows asked for.
/// </summary>
public abstract class CausalLanguageModel : LanguageModel
{
    public sealed override ModelKind Kind => ModelKind.CausalLM;

    /// <summary>The layers, in order; set by the family's constructor.</summary>
    private protected IReadOnlyList<IDecoderLayer> DecoderLayers { get; init; } = [];

    /// <summary>The LM head applied to the final hidden states; set by the family's constructor.</summary>
    private protected Linear LmHead { get; init; } = null!;

    /// <summary>The input token embeddings [vocab, width] the default <see cref="Embed"/> looks up.</summary>
    private protected Tensor TokenEmbeddings { get; init; } = null!;

    /// <summary>
    /// The rotary embedding of GPT-NeoX and Llama, or null. With one, each step numbers positions arange(past, past + seq)
    /// whatever the padding, as GPTNeoXModel.forward and LlamaModel.forward (v4.36) do when position_ids is not given
    /// (generate() alone derives them from the mask), and the rotary is built for past + seq keys (dynamic NTK scaling).
    /// </summary>
    private protected RotaryFactory? Rope { get; init; }

    /// <summary>True where the layers append to a <see cref="KeyValueCache"/> (GPT-2, OPT, GPT-NeoX, Llama).</summary>
    private protected virtual bool KeepsCache => false;

    /// <summary>The state the layers share; families with positions derived from the mask (OPT) add them here.</summary>
    private protected virtual DecoderStep BeginStep(TokenBatch tokens, int[] keyMask, int past, KeyValueCache? cache)
        => Rope is null ? new(keyMask, past, cache)
            : new(keyMask, past, cache) { PositionIds = Positions.Arange(tokens.Batch, tokens.Length, past), Rotary = Rope.For(past + tokens.Length) };

    /// <summary>The input embeddings fed to layer 0: [batch, seq, hidden]. By default the token embeddings alone.</summary>
    private protected virtual Tensor Embed(ModelInput input, DecoderStep step) => EmbedTokens(TokenEmbeddings, input.Tokens);

    /// <summary>Whatever follows the last layer before the head (ln_f, norm, final_layer_norm, project_out): [batch, seq, *].</summary>
    private protected abstract Tensor Final(Tensor x);

    public override ModelOutput Forward(ModelInput input, ForwardOptions? options = null) => Run(input, null, options);

    public override KeyValueCache? CreateCache() => KeepsCache ? new(DecoderLayers.Count) : null;

    public override ModelOutput ForwardCached(ModelInput input, KeyValueCache cache, ForwardOptions? options = null)
        => KeepsCache ? Run(input, cache, options) : base.ForwardCached(input, cache, options);

    private ModelOutput Run(ModelInput input, KeyValueCache? cache, ForwardOptions? options)
    {
        options ??= ForwardOptions.Default;
        var tokens = input.Tokens;
        int past = cache?.Advance(tokens) ?? 0;
        int[] keyMask = cache?.Mask ?? tokens.Mask; // [batch, past + seq]
        var step = BeginStep(tokens, keyMask, past, cache);
        var x = Embed(input, step); // [batch, seq, hidden]

        var hidden = new List<Tensor>();
        foreach (var layer in DecoderLayers)
        {
            if (options.OutputHiddenStates) hidden.Add(x);
            x = layer.Forward(x, step); // [batch, seq, hidden]
        }
        x = Final(x); // [batch, seq, hidden] (word_embed_proj_dim wide after OPT's project_out)
        // HF appends the output of the final norm as the last hidden state, so there are num_layers + 1 entries.
        if (options.OutputHiddenStates) hidden.Add(x);
        var logits = ProjectRows(x, options.LogitPositions, LmHead.Forward); // [batch, seq, vocab] or [positions, vocab]
        return new ModelOutput { Logits = logits, HiddenStates = hidden, LastHiddenState = x };
    }

    /// <summary>table[ids] as [batch, seq, width] for a [vocab, width] table.</summary>
    private protected static Tensor EmbedTokens(Tensor table, TokenBatch tokens)
        => TensorOps.Embedding(table, tokens.Ids).Reshape(tokens.Batch, tokens.Length, table.Dim(1)); // [batch, seq, width]
}
