using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling;

/// <summary>
/// Keys and values of the positions a decoder has already seen, per layer, so that each generation step runs only
/// the new tokens (HF's past_key_values / DynamicCache). Also keeps the attention mask of those positions, which
/// families need for masking and for mask-derived positions (OPT).
/// Storage per layer is [batch, capacity, kvDim] and grows by doubling; with batch 1 the full keys are a view, no copy.
/// </summary>
public sealed class KeyValueCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private readonly int[] _filled;
    private int[] _mask = [];
    private int _capacity;
    private int _kvDim;

    /// <param name="layers">Number of attention layers that will store here.</param>
    public KeyValueCache(int layers)
    {
        _keys = new float[layers][];
        _values = new float[layers][];
        _filled = new int[layers];
        for (int i = 0; i < layers; i++) { _keys[i] = []; _values[i] = []; }
    }

    /// <summary>Rows of the batch; fixed by the first step.</summary>
    public int Batch { get; private set; }

    /// <summary>Positions held, including those of the step in progress once <see cref="Advance"/> was called.</summary>
    public int Length { get; private set; }

    /// <summary>[batch, Length]: the attention mask of every cached position.</summary>
    public int[] Mask => _mask;

    /// <summary>
    /// Starts a step over <paramref name="tokens"/>: returns the number of past positions and appends the tokens' mask.
    /// The model then calls <see cref="Update"/> once per layer.
    /// </summary>
    public int Advance(TokenBatch tokens)
    {
        if (Length == 0) Batch = tokens.Batch;
        else if (tokens.Batch != Batch) throw new ArgumentException($"The cache holds {Batch} rows, the step has {tokens.Batch}.");
        int past = Length, t = tokens.Length, total = past + t;
        var mask = new int[Batch * total];
        for (int b = 0; b < Batch; b++)
        {
            _mask.AsSpan(b * past, past).CopyTo(mask.AsSpan(b * total));
            tokens.Mask.AsSpan(b * t, t).CopyTo(mask.AsSpan(b * total + past));
        }
        _mask = mask;
        Length = total;
        return past;
    }

    /// <summary>
    /// Appends the new keys and values of <paramref name="layer"/>, k and v [batch, t, kvDim],
    /// and returns all of them, [batch, Length, kvDim] each.
    /// </summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor k, Tensor v)
    {
        int batch = k.Dim(0), t = k.Dim(1), dim = k.Dim(2);
        int past = _filled[layer];
        if (batch != Batch || past + t != Length)
            throw new InvalidOperationException($"Layer {layer} appends {t} positions to {past}, but the step expects {Length} in all (call Advance first).");
        if (_kvDim == 0) _kvDim = dim;
        else if (dim != _kvDim) throw new ArgumentException($"Key width {dim} differs from the cached {_kvDim}.");
        if (Length > _capacity) Grow(Math.Max(Length, Math.Max(16, 2 * _capacity)));
        Place(_keys[layer], k, past);
        Place(_values[layer], v, past);
        _filled[layer] = Length;
        return (View(_keys[layer]), View(_values[layer]));
    }

    private void Grow(int capacity)
    {
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l] = Regrow(_keys[l], capacity, _filled[l]);
            _values[l] = Regrow(_values[l], capacity, _filled[l]);
        }
        _capacity = capacity;
    }

    private float[] Regrow(float[] old, int capacity, int filled)
    {
        // [batch, capacity, kvDim]
        var fresh = new float[Batch * capacity * _kvDim];
        for (int b = 0; b < Batch && filled > 0; b++)
            old.AsSpan(b * _capacity * _kvDim, filled * _kvDim).CopyTo(fresh.AsSpan(b * capacity * _kvDim));
        return fresh;
    }

    private void Place(float[] store, Tensor x, int past)
    {
        int t = x.Dim(1);
        for (int b = 0; b < Batch; b++)
            x.ReadOnlySpan.Slice(b * t * _kvDim, t * _kvDim).CopyTo(store.AsSpan((b * _capacity + past) * _kvDim));
    }

    /// <summary>[batch, Length, kvDim]: a view for one row, a compacted copy otherwise.</summary>
    private Tensor View(float[] store)
    {
        if (Batch == 1) return new Tensor(store, 1, Length, _kvDim);
        var t = Tensor.Zeros(Batch, Length, _kvDim);
        for (int b = 0; b < Batch; b++)
            store.AsSpan(b * _capacity * _kvDim, Length * _kvDim).CopyTo(t.Span.Slice(b * Length * _kvDim));
        return t;
    }
}
