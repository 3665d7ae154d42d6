using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// Hands out a model's weights by their Hugging Face key, checking each shape against the config.
/// Keys are tried as written, then without the base-model prefix (a checkpoint of the bare model, e.g. "h.0.attn" for GPT-2),
/// then with TF-era names (LayerNorm gamma/beta), as Hugging Face's loader does.
/// </summary>
public sealed class WeightLoader
{
    private readonly ITensorSource _source;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public WeightLoader(ITensorSource source, string? basePrefix = null)
    {
        _source = source;
        BasePrefix = basePrefix;
    }

    /// <summary>The base model prefix ("bert", "transformer", "model", ...), without the dot.</summary>
    public string? BasePrefix { get; }

    public ITensorSource Source => _source;

    /// <summary>Keys of the source that no module asked for.</summary>
    public IEnumerable<string> UnusedKeys => _source.Keys.Where(k => !_used.Contains(k));

    private string? Resolve(string key)
    {
        if (_source.Contains(key)) return key;
        if (BasePrefix is not null)
        {
            string p = BasePrefix + ".";
            if (key.StartsWith(p, StringComparison.Ordinal) && _source.Contains(key[p.Length..])) return key[p.Length..];
            if (!key.StartsWith(p, StringComparison.Ordinal) && _source.Contains(p + key)) return p + key;
        }
        if (key.EndsWith(".weight", StringComparison.Ordinal))
        {
            string alt = key[..^".weight".Length] + ".gamma";
            if (_source.Contains(alt)) return alt;
        }
        if (key.EndsWith(".bias", StringComparison.Ordinal))
        {
            string alt = key[..^".bias".Length] + ".beta";
            if (_source.Contains(alt)) return alt;
        }
        return null;
    }

    public bool Contains(string key) => Resolve(key) is not null;

    /// <summary>The weight under <paramref name="key"/> with exactly <paramref name="shape"/>.</summary>
    public Tensor Get(string key, params int[] shape)
    {
        if (Resolve(key) is null && _source is RandomWeights random) random.Make(key, shape);
        string resolved = Resolve(key) ?? throw new CheckpointException(_source.Location, key,
            $"missing weight (expected a tensor of shape [{string.Join(", ", shape)}]).");
        return Read(resolved, key, shape);
    }

    /// <summary>
    /// A weight whose key may be absent because it is tied to <paramref name="twin"/> (HF drops tied aliases when saving):
    /// the twin's tensor is used, as tie_weights() would make it.
    /// </summary>
    public Tensor GetTied(string key, string twin, params int[] shape)
    {
        if (Resolve(key) is { } k) return Read(k, key, shape);
        if (Resolve(twin) is { } t) return Read(t, twin, shape);
        if (_source is RandomWeights) return Get(twin, shape);
        throw new CheckpointException(_source.Location, key, $"missing weight, and its tied twin '{twin}' is missing too (expected shape [{string.Join(", ", shape)}]).");
    }

    /// <summary>
    /// An LM head that tie_word_embeddings may share with the input embeddings: tied, the embedding tensor itself is the head
    /// (tie_weights() makes them one parameter, so a stored copy is not read again); untied, the head's own key is required.
    /// </summary>
    public Tensor LmHead(string key, Tensor embeddings, bool tied, params int[] shape)
    {
        if (!tied) return Get(key, shape);
        if (Resolve(key) is { } k) _used.Add(k);
        return embeddings;
    }

    /// <summary>An optional weight; a random source does not invent optional weights.</summary>
    public Tensor? TryGet(string key, params int[] shape) => Resolve(key) is { } k ? Read(k, key, shape) : null;

    public float[] Vector(string key, int length) => Get(key, length).Data;

    public float[]? TryVector(string key, int length) => TryGet(key, length)?.Data;

    private Tensor Read(string resolved, string asked, int[] shape)
    {
        var actual = _source.Shape(resolved);
        if (!actual.AsSpan().SequenceEqual(shape))
            throw new CheckpointException(_source.Describe(resolved), asked,
                $"shape [{string.Join(", ", actual)}] does not match the config, which implies [{string.Join(", ", shape)}].");
        _used.Add(resolved);
        return new Tensor(_source.ReadFloat32(resolved), shape);
    }

    /// <summary>A linear layer "{prefix}.weight" [out, in] with an optional or required bias.</summary>
    public Linear Linear(string prefix, LayerRole role, int inFeatures, int outFeatures, bool bias = true)
    {
        if (ResizedInClone(prefix, bias, outFeatures, inFeatures)) return new Linear(prefix, role, new DenseWeight(Tensor.Zeros(outFeatures, inFeatures)), bias ? new float[outFeatures] : null);
        var w = Get(prefix + ".weight", outFeatures, inFeatures);
        float[]? b = bias ? Vector(prefix + ".bias", outFeatures) : null;
        return new Linear(prefix, role, new DenseWeight(w), b);
    }

    /// <summary>
    /// LanguageModel.Clone rebuilds a model from its own weights and then puts the original weight objects back into every
    /// linear layer, and a compressed folder's loader puts the saved ones in. A layer whose heads or neurons were removed is
    /// narrower than the config implies; from such a source (<see cref="IResizableLinearSource"/>) its shape is not checked
    /// here and a placeholder of the config's shape stands in until the caller replaces weight and bias.
    /// </summary>
    private bool ResizedInClone(string prefix, bool bias, params int[] shape)
    {
        if (_source is not IResizableLinearSource || Resolve(prefix + ".weight") is not { } key || _source.Shape(key).AsSpan().SequenceEqual(shape)) return false;
        _used.Add(key);
        if (bias && Resolve(prefix + ".bias") is { } b) _used.Add(b);
        return true;
    }

    /// <summary>GPT-2's Conv1D: the checkpoint stores [in, out]; it is transposed once to the nn.Linear layout.</summary>
    public Linear Conv1D(string prefix, LayerRole role, int inFeatures, int outFeatures)
    {
        if (ResizedInClone(prefix, true, inFeatures, outFeatures))
            return new Linear(prefix, role, new DenseWeight(Tensor.Zeros(outFeatures, inFeatures)), new float[outFeatures]) { StoredTransposed = true };
        var w = Get(prefix + ".weight", inFeatures, outFeatures);
        var t = Tensor.Zeros(outFeatures, inFeatures);
        var src = w.ReadOnlySpan;
        var dst = t.Span;
        for (int i = 0; i < inFeatures; i++)
            for (int o = 0; o < outFeatures; o++)
                dst[o * inFeatures + i] = src[i * outFeatures + o];
        return new Linear(prefix, role, new DenseWeight(t), Vector(prefix + ".bias", outFeatures)) { StoredTransposed = true };
    }

    public LayerNorm LayerNorm(string prefix, int dim, float eps, bool bias = true, bool affine = true)
        => affine
            ? new LayerNorm(prefix, Vector(prefix + ".weight", dim), bias ? Vector(prefix + ".bias", dim) : null, eps)
            : new LayerNorm(prefix, null, null, eps);
}

/// <summary>
/// A tensor source whose linear layers may be narrower than the config implies (attention heads or FFN neurons removed),
/// because its reader puts every layer's own weight and bias in after the family has built the model.
/// </summary>
internal interface IResizableLinearSource
{
}
