using System.Text;
using MLNet.Compression.IO;

namespace MLNet.Compression.Export.Gguf;

/// <summary>
/// Writes a GGUF v3 file (ggml docs/gguf.md): header (magic, version, tensor count, metadata count), typed metadata
/// key/value pairs (arrays included), tensor infos (name, dimensions innermost first, ggml type, offset into the data
/// section), padding to the alignment, then each tensor's bytes padded to the alignment. All little-endian.
/// Tensors are produced one at a time when the file is written, so a large model is never held twice in memory.
/// The file is written through a temporary sibling and renamed into place (<see cref="AtomicFile"/>).
/// </summary>
public sealed class GgufWriter
{
    private readonly List<(string Key, GgufValueType Type, object Value)> _kv = [];
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    private sealed record PendingTensor(string Name, long[] Dims, GgmlType Type, long Bytes, Func<byte[]> Data);

    public GgufWriter(uint alignment = GgufFormat.DefaultAlignment)
    {
        if (alignment == 0 || (alignment & (alignment - 1)) != 0) throw new ArgumentException($"alignment {alignment} is not a power of two.");
        Alignment = alignment;
        // general.alignment is written only when it differs from the default in llama.cpp's converter; writing it always is
        // allowed by the spec and lets a reader check it.
        AddUInt32("general.alignment", alignment);
    }

    public uint Alignment { get; }

    /// <summary>The metadata keys added so far, in order.</summary>
    public IEnumerable<string> Keys => _kv.Select(k => k.Key);

    public GgufWriter AddString(string key, string value) => Add(key, GgufValueType.String, value);
    public GgufWriter AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, value);
    public GgufWriter AddInt32(string key, int value) => Add(key, GgufValueType.Int32, value);
    public GgufWriter AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, value);
    public GgufWriter AddBool(string key, bool value) => Add(key, GgufValueType.Bool, value);
    public GgufWriter AddUInt64(string key, ulong value) => Add(key, GgufValueType.UInt64, value);
    public GgufWriter AddFloat64(string key, double value) => Add(key, GgufValueType.Float64, value);
    public GgufWriter AddStringArray(string key, IReadOnlyList<string> values) => Add(key, GgufValueType.Array, new GgufArray(GgufValueType.String, values.ToArray()));
    public GgufWriter AddFloat32Array(string key, IReadOnlyList<float> values) => Add(key, GgufValueType.Array, new GgufArray(GgufValueType.Float32, values.ToArray()));
    public GgufWriter AddInt32Array(string key, IReadOnlyList<int> values) => Add(key, GgufValueType.Array, new GgufArray(GgufValueType.Int32, values.ToArray()));

    private GgufWriter Add(string key, GgufValueType type, object value)
    {
        if (!_keys.Add(key)) throw new ArgumentException($"GGUF metadata key '{key}' added twice.");
        _kv.Add((key, type, value));
        return this;
    }

    /// <summary>
    /// Adds a tensor whose row-major shape is <paramref name="shape"/> (outermost first, as PyTorch writes it: a linear
    /// weight is [out, in]); GGUF lists dimensions innermost first, so they are written reversed. <paramref name="data"/>
    /// is called once, while the file is written, and must return exactly the bytes the type and shape imply.
    /// </summary>
    public GgufWriter AddTensor(string name, int[] shape, GgmlType type, Func<byte[]> data)
    {
        if (!_names.Add(name)) throw new ArgumentException($"GGUF tensor '{name}' added twice.");
        if (Encoding.UTF8.GetByteCount(name) > 64) throw new ArgumentException($"GGUF tensor name '{name}' is longer than 64 bytes (GGML_MAX_NAME).");
        long count = shape.Aggregate(1L, (a, d) => a * d);
        long bytes = GgmlTypes.ByteSize(type, count, shape[^1]);
        _tensors.Add(new PendingTensor(name, shape.Reverse().Select(d => (long)d).ToArray(), type, bytes, data));
        return this;
    }

    /// <summary>Writes the file at <paramref name="path"/> through a temporary sibling.</summary>
    public void Save(string path) => AtomicFile.Write(path, Write);

    /// <summary>Writes the whole file to <paramref name="stream"/>.</summary>
    public void Write(Stream stream)
    {
        var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufFormat.Magic);
        w.Write(GgufFormat.Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_kv.Count);
        foreach (var (key, type, value) in _kv)
        {
            WriteString(w, key);
            w.Write((uint)type);
            WriteValue(w, type, value);
        }
        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dims.Length);
            foreach (long d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = Align(offset + t.Bytes);
        }
        w.Flush();
        Pad(w, stream.Position);
        long dataStart = stream.Position;
        foreach (var t in _tensors)
        {
            var bytes = t.Data();
            if (bytes.LongLength != t.Bytes) throw new InvalidOperationException($"GGUF tensor '{t.Name}': {bytes.LongLength} bytes produced, {t.Bytes} expected for {t.Type}.");
            w.Write(bytes);
            w.Flush();
            Pad(w, stream.Position - dataStart);
        }
        w.Flush();
    }

    private long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private void Pad(BinaryWriter w, long position)
    {
        long pad = Align(position) - position;
        for (long i = 0; i < pad; i++) w.Write((byte)0);
    }

    /// <summary>gguf_string_t: uint64 length, then UTF-8 bytes without a terminator.</summary>
    private static void WriteString(BinaryWriter w, string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)b.Length);
        w.Write(b);
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write((byte)value); break;
            case GgufValueType.Int8: w.Write((sbyte)value); break;
            case GgufValueType.UInt16: w.Write((ushort)value); break;
            case GgufValueType.Int16: w.Write((short)value); break;
            case GgufValueType.UInt32: w.Write((uint)value); break;
            case GgufValueType.Int32: w.Write((int)value); break;
            case GgufValueType.Float32: w.Write((float)value); break;
            case GgufValueType.Bool: w.Write((bool)value ? (byte)1 : (byte)0); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write((ulong)value); break;
            case GgufValueType.Int64: w.Write((long)value); break;
            case GgufValueType.Float64: w.Write((double)value); break;
            case GgufValueType.Array:
                var a = (GgufArray)value;
                w.Write((uint)a.ElementType);
                w.Write((ulong)a.Values.Length);
                foreach (var v in a.Values) WriteValue(w, a.ElementType, v);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), $"GGUF value type {type}.");
        }
    }
}

/// <summary>A GGUF array value: its element type and elements (boxed, as read or written).</summary>
public sealed record GgufArray(GgufValueType ElementType, Array Values)
{
    /// <summary>The elements as <typeparamref name="T"/> (string, float, int, …).</summary>
    public T[] As<T>() => Values.Cast<T>().ToArray();
}
