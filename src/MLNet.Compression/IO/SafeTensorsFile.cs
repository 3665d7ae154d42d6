using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace MLNet.Compression.IO;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, int[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
    public long ByteLength => End - Begin;
}

/// <summary>
/// A memory-mapped safetensors file (https://github.com/huggingface/safetensors, format spec in its README):
/// 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
/// then the data region that the offsets index. Every header entry is validated on open, so later reads cannot go out of bounds.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    private SafeTensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePtr, long dataStart,
        Dictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _base = basePtr;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyCollection<SafeTensorInfo> Tensors => _tensors.Values;

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public SafeTensorInfo Info(string name)
        => _tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, "no tensor of this name in the file.");

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, null, "file not found.");
        long length = new FileInfo(path).Length;
        if (length < 8) throw new CheckpointException(path, null, $"truncated: {length} bytes, but a safetensors file starts with an 8-byte header length.");
        MemoryMappedFile map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* ptr = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
        ptr += view.PointerOffset;
        try
        {
            long headerLen = *(long*)ptr;
            if (headerLen < 2 || headerLen > length - 8)
                throw new CheckpointException(path, null, $"header length {headerLen} runs past the end of the file ({length} bytes; at most {length - 8} expected).");
            var headerBytes = new ReadOnlySpan<byte>(ptr + 8, (int)headerLen);
            var (tensors, metadata) = ParseHeader(path, headerBytes, length - 8 - headerLen);
            return new SafeTensorsFile(path, map, view, ptr, 8 + headerLen, tensors, metadata);
        }
        catch
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
            map.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, ReadOnlySpan<byte> header, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw new CheckpointException(path, null, $"the header is not valid JSON ({e.Message})."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, null, "the header must be a JSON object.");
            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in prop.Value.EnumerateObject())
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                    continue;
                }
                tensors[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }
            CheckNoOverlap(path, tensors.Values);
            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, name, "expected an object with dtype, shape and data_offsets.");
        if (!e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new CheckpointException(path, name, "missing \"dtype\" (expected a string such as \"F32\").");
        if (!SafeTensorDTypes.TryParse(dt.GetString()!, out var dtype))
            throw new CheckpointException(path, name, $"unknown dtype \"{dt.GetString()}\" (expected one of F32, F16, BF16, F64, I8, U8, I16, I32, I64, BOOL).");
        if (!e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new CheckpointException(path, name, "missing \"shape\" (expected an array of non-negative integers).");
        var shape = new int[sh.GetArrayLength()];
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v < 0)
                throw new CheckpointException(path, name, $"shape entry {d.GetRawText()} is not a non-negative integer.");
            shape[i++] = v;
        }
        if (!e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new CheckpointException(path, name, "missing \"data_offsets\" (expected [begin, end]).");
        if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw new CheckpointException(path, name, $"data_offsets {off.GetRawText()} must be two integers with 0 <= begin <= end.");
        if (end > dataLength)
            throw new CheckpointException(path, name, $"data_offsets [{begin}, {end}] run past the data region of {dataLength} bytes (file truncated or offsets out of range).");
        long expected = shape.Aggregate(1L, (a, d) => a * d) * dtype.ElementSize();
        if (end - begin != expected)
            throw new CheckpointException(path, name, $"shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but data_offsets give {end - begin}.");
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static void CheckNoOverlap(string path, IEnumerable<SafeTensorInfo> infos)
    {
        SafeTensorInfo? prev = null;
        foreach (var t in infos.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin))
        {
            if (prev is not null && t.Begin < prev.End)
                throw new CheckpointException(path, t.Name, $"data_offsets [{t.Begin}, {t.End}] overlap those of '{prev.Name}' [{prev.Begin}, {prev.End}].");
            prev = t;
        }
    }

    /// <summary>The raw bytes of a tensor, straight from the mapping.</summary>
    public ReadOnlySpan<byte> Bytes(string name)
    {
        var info = Info(name);
        return new ReadOnlySpan<byte>(_base + _dataStart + info.Begin, checked((int)info.ByteLength));
    }

    /// <summary>The tensor converted to float32 (from F32, F16, BF16, F64 or integer types).</summary>
    public float[] ReadFloat32(string name)
    {
        var info = Info(name);
        var bytes = Bytes(name);
        var result = new float[info.ElementCount];
        switch (info.DType)
        {
            case SafeTensorDType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                break;
            case SafeTensorDType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(halves, result);
                break;
            case SafeTensorDType.BF16:
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < raw.Length; i++) result[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                break;
            case SafeTensorDType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < doubles.Length; i++) result[i] = (float)doubles[i];
                break;
            default:
                var longs = ReadInt64(name);
                for (int i = 0; i < longs.Length; i++) result[i] = longs[i];
                break;
        }
        return result;
    }

    /// <summary>An integer or boolean tensor widened to int64.</summary>
    public long[] ReadInt64(string name)
    {
        var info = Info(name);
        var bytes = Bytes(name);
        var result = new long[info.ElementCount];
        switch (info.DType)
        {
            case SafeTensorDType.I64: MemoryMarshal.Cast<byte, long>(bytes).CopyTo(result); break;
            case SafeTensorDType.I32: { var s = MemoryMarshal.Cast<byte, int>(bytes); for (int i = 0; i < s.Length; i++) result[i] = s[i]; break; }
            case SafeTensorDType.I16: { var s = MemoryMarshal.Cast<byte, short>(bytes); for (int i = 0; i < s.Length; i++) result[i] = s[i]; break; }
            case SafeTensorDType.I8: { var s = MemoryMarshal.Cast<byte, sbyte>(bytes); for (int i = 0; i < s.Length; i++) result[i] = s[i]; break; }
            case SafeTensorDType.U8 or SafeTensorDType.BOOL: for (int i = 0; i < bytes.Length; i++) result[i] = bytes[i]; break;
            default: throw new CheckpointException(Path, name, $"expected an integer tensor, found {info.DType}.");
        }
        return result;
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
