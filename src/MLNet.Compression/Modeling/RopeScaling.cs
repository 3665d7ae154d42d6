using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// config.json "rope_scaling" as transformers v4.36 reads it for Llama and GPT-NeoX: null, or exactly
/// {"type": "linear" | "dynamic", "factor": &gt; 1} (LlamaConfig._rope_scaling_validation / GPTNeoXConfig._rope_scaling_validation).
/// </summary>
/// <param name="Type">"linear" (positions divided by factor) or "dynamic" (NTK-aware base growth beyond max_position_embeddings).</param>
/// <param name="Factor">The scaling factor, greater than 1.</param>
public sealed record RopeScaling(string Type, double Factor)
{
    /// <summary>Reads and validates the field; null when absent or null.</summary>
    public static RopeScaling? From(ConfigJson c)
    {
        var o = c.Object("rope_scaling");
        if (o is null) return null;
        int fields = o.Root.EnumerateObject().Count();
        if (fields != 2)
            throw new CheckpointException(c.Path, "rope_scaling", $"must be an object with exactly two fields, \"type\" and \"factor\"; found {fields} fields.");
        string type = o.StringOrNull("type") ?? throw new CheckpointException(c.Path, "rope_scaling.type", "missing (expected \"linear\" or \"dynamic\").");
        if (type is not ("linear" or "dynamic")) throw c.Unsupported("rope_scaling.type", type, "linear, dynamic");
        double factor = o.DoubleOrNull("factor") ?? throw new CheckpointException(c.Path, "rope_scaling.factor", "missing (expected a number greater than 1).");
        if (!(factor > 1.0)) throw new CheckpointException(c.Path, "rope_scaling.factor", $"must be a number greater than 1, got {factor}.");
        return new RopeScaling(type, factor);
    }
}

/// <summary>
/// Builds the rotary embedding one forward pass needs, applying <see cref="RopeScaling"/> the way the v4.36
/// *LinearScalingRotaryEmbedding and *DynamicNTKScalingRotaryEmbedding classes do (modeling_llama.py, modeling_gpt_neox.py).
/// </summary>
public sealed class RotaryFactory
{
    private readonly int _dim;
    private readonly double _theta;
    private readonly int _maxPositions;
    private readonly RopeScaling? _scaling;
    private readonly Rotary _standard;

    /// <param name="dim">Rotated channels per head (head_dim, or rotary_ndims for partial rotary).</param>
    /// <param name="theta">rope_theta / rotary_emb_base.</param>
    /// <param name="maxPositions">max_position_embeddings, where dynamic scaling starts.</param>
    /// <param name="scaling">rope_scaling, or null.</param>
    public RotaryFactory(int dim, double theta, int maxPositions, RopeScaling? scaling)
    {
        _dim = dim;
        _theta = theta;
        _maxPositions = maxPositions;
        _scaling = scaling;
        // Linear scaling divides the positions t by factor before t·inv_freq.
        _standard = new Rotary(dim, theta) { PositionScale = scaling?.Type == "linear" ? scaling.Factor : 1.0 };
    }

    public int Dim => _dim;

    /// <summary>
    /// The rotary for a pass over <paramref name="seqLength"/> keys. Dynamic NTK scaling grows the base once the length passes
    /// max_position_embeddings: base·((factor·len/max) − (factor − 1))^(dim/(dim − 2)).
    /// HF caches that table statefully (a later shorter input keeps the grown base until the cache is rebuilt, and cached keys
    /// keep the base they were rotated with); here every pass is computed from its own length, as a fresh HF model would.
    /// </summary>
    public Rotary For(int seqLength)
    {
        if (_scaling?.Type != "dynamic" || seqLength <= _maxPositions) return _standard;
        double f = _scaling.Factor;
        double grown = _theta * Math.Pow(f * seqLength / _maxPositions - (f - 1), _dim / (_dim - 2.0));
        return new Rotary(_dim, grown);
    }
}

/// <summary>Config checks the decoder families share.</summary>
internal static class DecoderConfigChecks
{
    /// <summary>
    /// "_attn_implementation" / "attn_implementation" when a config carries one: eager, sdpa and flash_attention_2 all compute
    /// exact softmax attention, which is what this engine does; anything else is refused.
    /// </summary>
    public static void AttentionImplementation(ConfigJson c)
    {
        foreach (var field in new[] { "_attn_implementation", "attn_implementation" })
            if (c.StringOrNull(field) is { } impl && impl is not ("eager" or "sdpa" or "flash_attention_2"))
                throw c.Unsupported(field, impl, "eager, sdpa, flash_attention_2");
    }

    /// <summary>The special ids with the family's config-class defaults where the field is absent (an explicit null stays null).</summary>
    public static GenerationConfig Generation(ConfigJson c, int? bos, int? eos, int? pad = null)
    {
        var g = GenerationConfig.From(c);
        bool Present(string f) => c.Root.TryGetProperty(f, out _);
        return g with
        {
            BosTokenId = Present("bos_token_id") ? g.BosTokenId : bos,
            EosTokenIds = Present("eos_token_id") ? g.EosTokenIds : eos is int e ? [e] : [],
            PadTokenId = Present("pad_token_id") ? g.PadTokenId : pad,
        };
    }
}
