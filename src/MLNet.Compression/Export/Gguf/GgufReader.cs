using System.Text;

namespace MLNet.Compression.Export.Gguf;

/// <summary>One tensor's entry in a GGUF file: name, dimensions innermost first (ggml ne[]), type, offset in the data section.</summary>
public sealed record GgufTensorInfo(string Name, long[] Dims, GgmlType Type, ulong Offset)
{
    /// <summary>The row-major shape, outermost first ([out, in] for a linear weight).</summary>
    public int[] Shape => Dims.Reverse().Select(d => checked((int)d)).ToArray();

    public long Count => Dims.Aggregate(1L, (a, d) => a * d);

    public long Bytes => GgmlTypes.ByteSize(Type, Count, Dims[0]);
}

/// <summary>
/// Reads a GGUF file's header, metadata and tensor infos (ggml docs/gguf.md) and, on request, a tensor's bytes or its
/// float32 values (F32, F16, Q8_0, Q4_0, Q4_1). Used to recognise an earlier export and to check exports in tests.
/// </summary>
public sealed class GgufReader
{
    private readonly string _path;

    private GgufReader(string path, uint version, Dictionary<string, object> metadata, List<string> order, List<GgufTensorInfo> tensors, long dataStart)
    {
        _path = path;
        Version = version;
        Metadata = metadata;
        KeyOrder = order;
        Tensors = tensors;
        DataStart = dataStart;
    }

    public uint Version { get; }

    /// <summary>Metadata values: string, uint, int, float, bool, ulong, long, double, byte, sbyte, ushort, short, or <see cref="GgufArray"/>.</summary>
    public IReadOnlyDictionary<string, object> Metadata { get; }

    /// <summary>Keys in file order.</summary>
    public IReadOnlyList<string> KeyOrder { get; }

    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Byte offset of the data section (aligned).</summary>
    public long DataStart { get; }

    public uint Alignment => Metadata.TryGetValue("general.alignment", out var a) && a is uint u ? u : GgufFormat.DefaultAlignment;

    /// <summary>True when the file starts with the GGUF magic.</summary>
    public static bool HasMagic(string path)
    {
        try
        {
            using var fs = File.OpenRead(path);
            Span<byte> b = stackalloc byte[4];
            return fs.Read(b) == 4 && BitConverter.ToUInt32(b) == GgufFormat.Magic;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <exception cref="InvalidDataException">The file is not GGUF v2/v3 or is truncated.</exception>
    public static GgufReader Open(string path)
    {
        using var fs = File.OpenRead(path);
        using var r = new BinaryReader(fs, Encoding.UTF8);
        try
        {
            if (r.ReadUInt32() != GgufFormat.Magic) throw new InvalidDataException($"{path}: not a GGUF file (no GGUF magic).");
            uint version = r.ReadUInt32();
            if (version is not (2 or 3)) throw new InvalidDataException($"{path}: GGUF version {version}; this reader knows versions 2 and 3.");
            ulong tensorCount = r.ReadUInt64(), kvCount = r.ReadUInt64();
            if (tensorCount > 1_000_000 || kvCount > 1_000_000) throw new InvalidDataException($"{path}: implausible GGUF header ({tensorCount} tensors, {kvCount} metadata keys).");
            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            var order = new List<string>();
            for (ulong i = 0; i < kvCount; i++)
            {
                string key = ReadString(r);
                var type = (GgufValueType)r.ReadUInt32();
                if (!metadata.TryAdd(key, ReadValue(r, type))) throw new InvalidDataException($"{path}: metadata key '{key}' appears twice.");
                order.Add(key);
            }
            var tensors = new List<GgufTensorInfo>();
            for (ulong i = 0; i < tensorCount; i++)
            {
                string name = ReadString(r);
                uint nDims = r.ReadUInt32();
                if (nDims is 0 or > 4) throw new InvalidDataException($"{path}: tensor '{name}' has {nDims} dimensions (GGML_MAX_DIMS is 4).");
                var dims = new long[nDims];
                for (int d = 0; d < nDims; d++) dims[d] = checked((long)r.ReadUInt64());
                var type = (GgmlType)r.ReadUInt32();
                ulong offset = r.ReadUInt64();
                tensors.Add(new GgufTensorInfo(name, dims, type, offset));
            }
            uint alignment = metadata.TryGetValue("general.alignment", out var a) && a is uint u ? u : GgufFormat.DefaultAlignment;
            long dataStart = (fs.Position + alignment - 1) / alignment * alignment;
            foreach (var t in tensors)
            {
                if (t.Offset % alignment != 0) throw new InvalidDataException($"{path}: tensor '{t.Name}' starts at offset {t.Offset}, not a multiple of the alignment {alignment}.");
                if (dataStart + (long)t.Offset + t.Bytes > fs.Length) throw new InvalidDataException($"{path}: tensor '{t.Name}' runs past the end of the file.");
            }
            return new GgufReader(path, version, metadata, order, tensors, dataStart);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: truncated GGUF file.");
        }
    }

    public GgufTensorInfo Tensor(string name)
        => Tensors.FirstOrDefault(t => t.Name == name) ?? throw new KeyNotFoundException($"{_path}: no tensor '{name}'.");

    /// <summary>The stored bytes of a tensor.</summary>
    public byte[] ReadBytes(string name)
    {
        var t = Tensor(name);
        using var fs = File.OpenRead(_path);
        fs.Position = DataStart + (long)t.Offset;
        var b = new byte[t.Bytes];
        fs.ReadExactly(b);
        return b;
    }

    /// <summary>A tensor's values in float32, dequantized as ggml does (ggml-quants.c dequantize_row_*).</summary>
    public float[] ReadFloat32(string name) => GgmlBlocks.Decode(Tensor(name).Type, ReadBytes(name), checked((int)Tensor(name).Count));

    private static string ReadString(BinaryReader r)
    {
        ulong n = r.ReadUInt64();
        if (n > 1 << 30) throw new InvalidDataException($"implausible GGUF string length {n}.");
        return Encoding.UTF8.GetString(r.ReadBytes((int)n));
    }

    private static object ReadValue(BinaryReader r, GgufValueType type) => type switch
    {
        GgufValueType.UInt8 => r.ReadByte(),
        GgufValueType.Int8 => r.ReadSByte(),
        GgufValueType.UInt16 => r.ReadUInt16(),
        GgufValueType.Int16 => r.ReadInt16(),
        GgufValueType.UInt32 => r.ReadUInt32(),
        GgufValueType.Int32 => r.ReadInt32(),
        GgufValueType.Float32 => r.ReadSingle(),
        GgufValueType.Bool => r.ReadByte() switch { 0 => false, 1 => true, var b => throw new InvalidDataException($"GGUF bool value {b}.") },
        GgufValueType.String => ReadString(r),
        GgufValueType.UInt64 => r.ReadUInt64(),
        GgufValueType.Int64 => r.ReadInt64(),
        GgufValueType.Float64 => r.ReadDouble(),
        GgufValueType.Array => ReadArray(r),
        _ => throw new InvalidDataException($"unknown GGUF value type {(uint)type}."),
    };

    private static GgufArray ReadArray(BinaryReader r)
    {
        var et = (GgufValueType)r.ReadUInt32();
        ulong n = r.ReadUInt64();
        if (n > 1 << 28) throw new InvalidDataException($"implausible GGUF array length {n}.");
        Array values = et switch
        {
            GgufValueType.String => new string[n],
            GgufValueType.Float32 => new float[n],
            GgufValueType.Int32 => new int[n],
            GgufValueType.UInt32 => new uint[n],
            _ => new object[n],
        };
        for (ulong i = 0; i < n; i++) values.SetValue(ReadValue(r, et), (long)i);
        return new GgufArray(et, values);
    }
}
