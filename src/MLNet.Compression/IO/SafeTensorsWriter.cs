using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace MLNet.Compression.IO;

/// <summary>
/// Writes safetensors files. Tensors are laid out in name order with the header padded by spaces to a multiple of 8,
/// as the reference implementation does, and the file is written beside its target and renamed into place,
/// so a reader never sees a half-written file.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly SortedDictionary<string, (SafeTensorDType DType, int[] Shape, byte[] Data)> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _metadata = new();

    public SafeTensorsWriter AddMetadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    public SafeTensorsWriter Add(string name, SafeTensorDType dtype, int[] shape, ReadOnlySpan<byte> data)
    {
        long expected = shape.Aggregate(1L, (a, d) => a * d) * dtype.ElementSize();
        if (data.Length != expected)
            throw new ArgumentException($"Tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes, got {data.Length}.");
        if (!_tensors.TryAdd(name, (dtype, (int[])shape.Clone(), data.ToArray())))
            throw new ArgumentException($"Tensor '{name}' added twice.");
        return this;
    }

    public SafeTensorsWriter Add(string name, float[] data, params int[] shape)
        => Add(name, SafeTensorDType.F32, shape, MemoryMarshal.AsBytes(data.AsSpan(0, (int)shape.Aggregate(1L, (a, d) => a * d))));

    public SafeTensorsWriter Add(string name, long[] data, params int[] shape)
        => Add(name, SafeTensorDType.I64, shape, MemoryMarshal.AsBytes(data.AsSpan()));

    public SafeTensorsWriter Add(string name, sbyte[] data, params int[] shape)
        => Add(name, SafeTensorDType.I8, shape, MemoryMarshal.AsBytes(data.AsSpan()));

    public SafeTensorsWriter Add(string name, byte[] data, params int[] shape)
        => Add(name, SafeTensorDType.U8, shape, data);

    public void Save(string path)
    {
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in _metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in _tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", t.DType.Name());
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }
            json.WriteEndObject();
        }
        int pad = (int)((8 - header.Length % 8) % 8);
        for (int i = 0; i < pad; i++) header.WriteByte((byte)' ');

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BitConverter.TryWriteBytes(len, header.Length);
            stream.Write(len);
            header.Position = 0;
            header.CopyTo(stream);
            foreach (var t in _tensors.Values) stream.Write(t.Data);
        });
    }
}

/// <summary>Writes a file through a temporary sibling and a rename, so an interrupted write never leaves a partial file.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through a temporary sibling. When the location cannot be written (a read-only or
    /// impossible folder), the <see cref="IOException"/> names <paramref name="path"/> as given, never the temporary name.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        string tmp = full + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        FileStream fs;
        try
        {
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(path, tmp, e);
        }
        try
        {
            using (fs)
            {
                write(fs);
                fs.Flush(true);
            }
            try { File.Move(tmp, full, overwrite: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw CannotWrite(path, tmp, e); }
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 to <paramref name="path"/> through a temporary sibling.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The error for an output that cannot be created, as <c>PATH: cannot write (reason)</c>: the reason .NET gives names
    /// the temporary sibling, which the user never asked for, so it is replaced by the path they gave.
    /// </summary>
    internal static IOException CannotWrite(string path, string tmp, Exception e)
    {
        string reason = e switch
        {
            UnauthorizedAccessException => "permission denied",
            DirectoryNotFoundException => "the folder does not exist",
            _ => e.Message.Replace(tmp, path, StringComparison.Ordinal),
        };
        return new IOException($"{path}: cannot write ({reason.TrimEnd('.')})", e);
    }
}
