using System.Security.Cryptography;
using System.Text;
using MLNet.Compression.IO;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// model.safetensors of a compressed folder as the families and the <see cref="WeightReader"/>s see it.
/// The family builds its module tree from the dense tensors as from any checkpoint; the "{layer}.weight" key of every
/// compressed layer reads as a zero placeholder of the dense shape (one shared buffer, so loading never materialises
/// dense copies of compressed layers), and <see cref="CompressedModel.Load"/> then swaps in the real weight form.
/// Weight readers get raw bytes with <see cref="Bytes"/> or <see cref="TensorSourceBytes.ReadBytes"/>; they must copy what
/// they keep, because the file is unmapped when loading ends.
/// </summary>
public sealed class CompressedModelTensors : ITensorSource
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

/// <summary>Raw reads for <see cref="WeightReader"/>s, whatever <see cref="ITensorSource"/> they are handed.</summary>
public static class TensorSourceBytes
{
    /// <summary>A copy of the bytes of <paramref name="key"/>, checked to be stored as <paramref name="dtype"/>.</summary>
    public static byte[] ReadBytes(this ITensorSource source, string key, SafeTensorDType dtype) => source switch
    {
        CompressedModelTensors c => c.Bytes(key, dtype).ToArray(),
        SafeTensorsCheckpoint s => s.FileOf(key).Info(key).DType == dtype ? s.FileOf(key).Bytes(key).ToArray()
            : throw new CheckpointException(s.Describe(key), key, $"stored as {s.FileOf(key).Info(key).DType.Name()}, expected {dtype.Name()}."),
        _ => throw new NotSupportedException($"{source.Location} holds float tensors only; '{key}' cannot be read as {dtype.Name()}."),
    };
}

/// <summary>
/// Identifies a checkpoint by content: SHA-256 of config.json and each weight file, and one hash over them all that equals
/// <c>sha256sum config.json model.safetensors | sha256sum</c> (the listing "HASH  NAME\n" per file, names in ordinal order),
/// so a user can check a source with standard tools.
/// </summary>
public static class CheckpointFingerprint
{
    /// <summary>The fingerprint of a model folder (config.json + safetensors) or a llama2.c .bin file.</summary>
    public static SourceCheckpoint Compute(string path)
    {
        string full = Path.GetFullPath(path);
        string folder;
        List<string> files;
        if (File.Exists(full))
        {
            folder = Path.GetDirectoryName(full)!;
            files = [full];
        }
        else
        {
            folder = full;
            files = [];
            string config = Path.Combine(folder, "config.json");
            if (File.Exists(config))
            {
                files.Add(config);
                using var ckpt = SafeTensorsCheckpoint.Open(folder);
                files.AddRange(ckpt.FilePaths);
            }
            else if (Directory.Exists(folder)) files.AddRange(Directory.GetFiles(folder, "*.bin").Where(Llama2CCheckpoint.LooksLikeOne));
            if (files.Count == 0) throw new CheckpointException(full, null, "no config.json, safetensors or llama2.c file to fingerprint.");
        }
        var entries = files.Select(f => new SourceFile(Path.GetRelativePath(folder, f).Replace('\\', '/'), new FileInfo(f).Length, Sha256File(f)))
            .OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var listing = new StringBuilder();
        foreach (var e in entries) listing.Append(e.Sha256).Append("  ").Append(e.Name).Append('\n');
        return new SourceCheckpoint(full, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString()))), entries);
    }

    private static string Sha256File(string path)
    {
        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Hex(SHA256.HashData(s));
    }

    private static string Hex(byte[] hash) => Convert.ToHexString(hash).ToLowerInvariant();
}
