using MLNet.Compression.Modeling;
using MLNet.Compression.IO;

namespace MLNet.Compression.Persistence;

/// <summary>
/// model.safetensors of a compressed folder as the families and the <see cref="Modeling.WeightReader"/>s see it.
/// The family builds its module tree from the dense tensors as from any checkpoint; the "{layer}.weight" key of every
/// compressed layer reads as a zero placeholder of the dense shape (one shared buffer, so loading never materialises
/// dense copies of compressed layers), and <see cref="CompressedModel.Load"/> then swaps in the real weight form.
/// Weight readers get raw bytes with <see cref="Bytes"/> or <see cref="TensorSourceBytes.ReadBytes"/>; they must copy what
/// they keep, because the file is unmapped when loading ends.
/// </summary>
public sealed class CompressedModelTensors : ITensorSource, IResizableLinearSource
{
    private readonly SafeTensorsCheckpoint _checkpoint;
    private readonly Dictionary<string, int[]> _placeholders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private float[]? _zeros;

    internal CompressedModelTensors(string folder)
    {
        Location = Path.Combine(folder, CompressedModel.WeightsFileName);
        if (!File.Exists(Location)) throw new CheckpointException(Location, null, "missing: a compressed model folder keeps its tensors in model.safetensors.");
        _checkpoint = SafeTensorsCheckpoint.Open(folder);
    }

    /// <summary>The path of model.safetensors.</summary>
    public string Location { get; }

    /// <summary>Makes <paramref name="key"/> read as zeros of <paramref name="shape"/> (a compressed layer's dense key).</summary>
    internal void AddPlaceholder(string key, int[] shape) => _placeholders[key] = shape;

    /// <summary>Ends the family's part of loading: from now on every key reads what is stored.</summary>
    internal void ClearPlaceholders()
    {
        _placeholders.Clear();
        _zeros = null;
    }

    /// <summary>True when a float tensor was read under <paramref name="key"/> (the family asked for it).</summary>
    internal bool WasRead(string key) => _read.Contains(key);

    public IEnumerable<string> Keys => _checkpoint.Keys.Concat(_placeholders.Keys.Where(k => !_checkpoint.Contains(k)));

    public bool Contains(string key) => _placeholders.ContainsKey(key) || _checkpoint.Contains(key);

    public int[] Shape(string key) => _placeholders.TryGetValue(key, out var s) ? s : Info(key).Shape;

    public float[] ReadFloat32(string key)
    {
        if (_placeholders.TryGetValue(key, out var shape))
        {
            long n = shape.Aggregate(1L, (a, d) => a * d);
            // One zero buffer for every placeholder: a Tensor may own a longer array than its shape needs.
            if (_zeros is null || _zeros.Length < n)
                _zeros = new float[Math.Max(n, _placeholders.Values.Max(p => p.Aggregate(1L, (a, d) => a * d)))];
            return _zeros;
        }
        Info(key);
        _read.Add(key);
        return _checkpoint.ReadFloat32(key);
    }

    public string Describe(string key) => Location;

    /// <summary>dtype, shape and byte range of a stored tensor; a missing one names model.safetensors and the key.</summary>
    public SafeTensorInfo Info(string key)
        => _checkpoint.Contains(key) ? _checkpoint.FileOf(key).Info(key)
            : throw new CheckpointException(Location, key, "missing tensor (the manifest lists a layer stored under this key).");

    /// <summary>The stored bytes of <paramref name="key"/>, which must have <paramref name="dtype"/>; valid until loading ends.</summary>
    public ReadOnlySpan<byte> Bytes(string key, SafeTensorDType dtype)
    {
        var info = Info(key);
        if (info.DType != dtype) throw new CheckpointException(Location, key, $"stored as {info.DType.Name()}, expected {dtype.Name()}.");
        return _checkpoint.FileOf(key).Bytes(key);
    }

    public void Dispose() => _checkpoint.Dispose();
}
