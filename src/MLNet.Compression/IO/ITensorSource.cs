namespace MLNet.Compression.IO;

/// <summary>Where named weights come from: safetensors files, a sharded index, or a converted llama2.c checkpoint.</summary>
public interface ITensorSource : IDisposable
{
    IEnumerable<string> Keys { get; }

    bool Contains(string key);

    int[] Shape(string key);

    /// <summary>The weight as float32, whatever its stored dtype.</summary>
    float[] ReadFloat32(string key);

    /// <summary>The file holding the key (for error messages).</summary>
    string Describe(string key);

    /// <summary>A label for the whole source (folder or file), used when a key is absent.</summary>
    string Location { get; }
}

/// <summary>Tensors already in memory (converted checkpoints, tests).</summary>
public sealed class InMemoryTensorSource : ITensorSource
{
    private readonly Dictionary<string, (float[] Data, int[] Shape)> _tensors = new(StringComparer.Ordinal);

    public InMemoryTensorSource(string location) => Location = location;

    public string Location { get; }

    public void Add(string key, float[] data, params int[] shape) => _tensors[key] = (data, shape);

    public IEnumerable<string> Keys => _tensors.Keys;

    public bool Contains(string key) => _tensors.ContainsKey(key);

    public int[] Shape(string key) => _tensors[key].Shape;

    public float[] ReadFloat32(string key) => _tensors[key].Data;

    public string Describe(string key) => Location;

    public void Dispose() { }
}
