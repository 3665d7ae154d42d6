using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// A weight that is not a linear layer (embeddings, norms), by its Hugging Face key. A buffer (BART's final_logits_bias)
/// is saved with the model but is not a parameter, so <see cref="LanguageModel.ParameterCount"/> skips it as HF does.
/// </summary>
public sealed record NamedTensor(string Key, Tensor Value, bool IsBuffer = false) : IModule
{
    IEnumerable<Linear> IModule.LinearLayers => [];

    IEnumerable<NamedTensor> IModule.NamedTensors => [this];
}

/// <summary>
/// A loaded transformer: its family, its linear layers by Hugging Face name, its other weights, and a forward pass.
/// Compression works on <see cref="Linears"/> only and never needs to know the family.
/// </summary>
public abstract class LanguageModel
{
    private readonly List<Linear> _linears = new();
    private readonly List<NamedTensor> _tensors = new();

    /// <summary>config.json "model_type": bert, roberta, distilbert, albert, gpt2, gpt_neox, opt, llama, t5, bart.</summary>
    public abstract string ModelType { get; }

    public abstract ModelKind Kind { get; }

    /// <summary>Width of the hidden states.</summary>
    public abstract int HiddenSize { get; }

    public abstract int VocabSize { get; }

    /// <summary>Number of transformer blocks (encoder plus decoder for seq2seq).</summary>
    public abstract int LayerCount { get; }

    /// <summary>Longest input the position scheme allows; null when unbounded (rotary, relative).</summary>
    public virtual int? MaxPositions => null;

    /// <summary>Special ids and decoding defaults from config.json.</summary>
    public GenerationConfig Generation { get; protected init; } = new();

    /// <summary>The config.json this model was built from.</summary>
    public ConfigJson? Config { get; protected init; }

    /// <summary>Every linear layer, in checkpoint order, including the LM head.</summary>
    public IReadOnlyList<Linear> Linears => _linears;

    /// <summary>Weights outside linear layers.</summary>
    public IReadOnlyList<NamedTensor> OtherTensors => _tensors;

    /// <summary>Appends the module's linear layers to <see cref="Linears"/> and its other weights to <see cref="OtherTensors"/>.</summary>
    protected T Register<T>(T module) where T : IModule
    {
        _linears.AddRange(module.LinearLayers);
        _tensors.AddRange(module.NamedTensors);
        return module;
    }

    /// <summary>Makes and registers <paramref name="count"/> modules (a stack of layers), in index order.</summary>
    protected T[] RegisterAll<T>(int count, Func<int, T> make) where T : IModule
    {
        var modules = new T[count];
        for (int i = 0; i < count; i++) modules[i] = Register(make(i));
        return modules;
    }

    protected Tensor RegisterTensor(string key, Tensor t)
    {
        _tensors.Add(new(key, t));
        return t;
    }

    /// <summary>A persistent buffer: stored and saved like a weight, not counted as a parameter.</summary>
    protected Tensor RegisterBuffer(string key, Tensor t)
    {
        _tensors.Add(new(key, t, IsBuffer: true));
        return t;
    }

    /// <summary>
    /// A second model object over the same weight arrays (no copy): its linear layers start with the same weight objects,
    /// and replacing one (as compression does) leaves this model untouched. Weights are immutable by convention.
    /// </summary>
    public LanguageModel Clone()
    {
        if (Config is null) throw new InvalidOperationException($"This {ModelType} model has no config to rebuild from.");
        var copy = ModelLoader.FamilyOf(Config).Load(Config, new ModelTensorSource(this));
        if (copy.Linears.Count != _linears.Count) throw new InvalidOperationException("The rebuilt model has a different set of linear layers.");
        for (int i = 0; i < _linears.Count; i++)
        {
            copy._linears[i].Weight = _linears[i].Weight;
            copy._linears[i].Bias = _linears[i].Bias;
        }
        return copy;
    }

    /// <summary>Runs the model on a batch.</summary>
    public abstract ModelOutput Forward(ModelInput input, ForwardOptions? options = null);

    /// <summary>An empty key/value cache for <see cref="ForwardCached"/>; null where the family always recomputes the whole sequence.</summary>
    public virtual KeyValueCache? CreateCache() => null;

    /// <summary>
    /// Decoder-only models with a cache: runs the tokens that follow the positions already in <paramref name="cache"/>
    /// and appends theirs. Logits, hidden states and LogitPositions refer to the new tokens only.
    /// </summary>
    public virtual ModelOutput ForwardCached(ModelInput input, KeyValueCache cache, ForwardOptions? options = null)
        => throw new NotSupportedException($"{ModelType} does not keep a key/value cache; call Forward with the whole sequence.");

    /// <summary>Parameters counted once even where tied (an LM head sharing the embedding counts once), as HF's num_parameters().</summary>
    public long ParameterCount()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        long n = 0;
        foreach (var t in _tensors) if (!t.IsBuffer && seen.Add(t.Value.Data)) n += t.Value.Length;
        foreach (var l in _linears)
        {
            object key = l.Weight is DenseWeight d ? d.Value.Data : l.Weight;
            if (seen.Add(key)) n += (long)l.InFeatures * l.OutFeatures;
            if (l.Bias is not null && seen.Add(l.Bias)) n += l.Bias.Length;
        }
        return n;
    }

    /// <summary>Bytes held by the weights in their current storage forms (tied weights once).</summary>
    public long StorageBytes() => StorageBreakdown().Total;

    /// <summary>
    /// Bytes as stored, split into linear layers (weights in their compressed forms, biases) and everything else
    /// (embeddings, norms, buffers). A weight shared by several places counts once, where it is met first: a head tied to
    /// the embeddings counts with the embeddings.
    /// </summary>
    public StorageBytesBreakdown StorageBreakdown()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        long other = 0, linear = 0;
        foreach (var t in _tensors) if (seen.Add(t.Value.Data)) other += (long)t.Value.Length * sizeof(float);
        foreach (var l in _linears)
        {
            object key = l.Weight is DenseWeight d ? d.Value.Data : l.Weight;
            if (seen.Add(key)) linear += l.Weight.StorageBytes;
            if (l.Bias is not null && seen.Add(l.Bias)) linear += (long)l.Bias.Length * sizeof(float);
        }
        return new StorageBytesBreakdown(linear, other);
    }

    /// <summary>
    /// Applies the LM head only to the rows that are needed: all of hidden [batch, len, h] → [batch, len, vocab],
    /// or the chosen flat rows → [positions, vocab].
    /// </summary>
    protected static Tensor ProjectRows(Tensor hidden, int[]? positions, Func<Tensor, Tensor> head)
    {
        if (positions is null) return head(hidden);
        var picked = TensorOps.GatherRows(hidden, positions); // [positions, hidden]
        return head(picked);
    }
}

/// <summary>The special ids and generation defaults that config.json (or generation_config.json) carries.</summary>
public sealed record GenerationConfig
{
    public int? BosTokenId { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }
    public int? DecoderStartTokenId { get; init; }
    /// <summary>BART: the id forced as the first generated token.</summary>
    public int? ForcedBosTokenId { get; init; }
    /// <summary>BART: the id forced when the length limit is reached.</summary>
    public int? ForcedEosTokenId { get; init; }

    public static GenerationConfig From(ConfigJson c) => new()
    {
        BosTokenId = c.IntOrNull("bos_token_id"),
        EosTokenIds = c.IntList("eos_token_id"),
        PadTokenId = c.IntOrNull("pad_token_id"),
        DecoderStartTokenId = c.IntOrNull("decoder_start_token_id"),
        ForcedBosTokenId = c.IntOrNull("forced_bos_token_id"),
        ForcedEosTokenId = c.IntOrNull("forced_eos_token_id"),
    };
}
