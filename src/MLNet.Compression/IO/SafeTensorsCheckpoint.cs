using System.Text.Json;

namespace MLNet.Compression.IO;

/// <summary>
/// The weights of a model folder: model.safetensors, or shards listed by model.safetensors.index.json
/// (its "weight_map" sends each key to a shard file). A folder with only pickled PyTorch weights is refused:
/// unpickling runs arbitrary code, and safetensors is the format Hugging Face publishes for that reason.
/// </summary>
public sealed class SafeTensorsCheckpoint : ITensorSource
{
    private readonly List<SafeTensorsFile> _files = new();
    private readonly Dictionary<string, SafeTensorsFile> _byKey = new(StringComparer.Ordinal);

    private SafeTensorsCheckpoint(string location) => Location = location;

    public string Location { get; }

    public static SafeTensorsCheckpoint Open(string folder)
    {
        var ckpt = new SafeTensorsCheckpoint(folder);
        try
        {
            string index = Path.Combine(folder, "model.safetensors.index.json");
            string single = Path.Combine(folder, "model.safetensors");
            if (File.Exists(index)) ckpt.OpenIndex(index);
            else if (File.Exists(single)) ckpt.AddFile(single);
            else
            {
                var any = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.safetensors").Where(f => !Path.GetFileName(f).StartsWith("reference", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).ToArray() : [];
                if (any.Length > 0) foreach (var f in any) ckpt.AddFile(f);
                else if (File.Exists(Path.Combine(folder, "pytorch_model.bin")) || File.Exists(Path.Combine(folder, "pytorch_model.bin.index.json")))
                    throw new CheckpointException(Path.Combine(folder, "pytorch_model.bin"), null,
                        "only pickled PyTorch weights were found; MLNet.Compression reads safetensors only, because loading a pickle executes code from the file. " +
                        "Convert it once with Python: `from transformers import AutoModel; AutoModel.from_pretrained(DIR).save_pretrained(DIR, safe_serialization=True)`.");
                else
                    throw new CheckpointException(folder, null, "no model.safetensors, model.safetensors.index.json or *.safetensors file in this folder.");
            }
            return ckpt;
        }
        catch
        {
            ckpt.Dispose();
            throw;
        }
    }

    private void OpenIndex(string indexPath)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(indexPath)); }
        catch (JsonException e) { throw new CheckpointException(indexPath, null, $"not valid JSON ({e.Message})."); }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(indexPath, "weight_map", "missing (expected an object mapping tensor names to shard files).");
            var shards = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            string dir = Path.GetDirectoryName(indexPath)!;
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new CheckpointException(indexPath, entry.Name, "expected a shard file name.");
                string shardName = entry.Value.GetString()!;
                if (!shards.TryGetValue(shardName, out var file))
                {
                    string shardPath = Path.Combine(dir, shardName);
                    if (!File.Exists(shardPath)) throw new CheckpointException(indexPath, entry.Name, $"shard file '{shardName}' does not exist.");
                    file = SafeTensorsFile.Open(shardPath);
                    _files.Add(file);
                    shards[shardName] = file;
                }
                if (!file.Contains(entry.Name))
                    throw new CheckpointException(file.Path, entry.Name, $"listed in {Path.GetFileName(indexPath)} but absent from this shard.");
                _byKey[entry.Name] = file;
            }
        }
    }

    private void AddFile(string path)
    {
        var file = SafeTensorsFile.Open(path);
        _files.Add(file);
        foreach (var t in file.Tensors)
        {
            if (!_byKey.TryAdd(t.Name, file))
                throw new CheckpointException(path, t.Name, $"also present in {_byKey[t.Name].Path}.");
        }
    }

    public IEnumerable<string> Keys => _byKey.Keys;

    /// <summary>The safetensors files this checkpoint reads, in the order they were opened.</summary>
    public IReadOnlyList<string> FilePaths => _files.ConvertAll(f => f.Path);

    public bool Contains(string key) => _byKey.ContainsKey(key);

    public int[] Shape(string key) => FileOf(key).Info(key).Shape;

    public float[] ReadFloat32(string key) => FileOf(key).ReadFloat32(key);

    public string Describe(string key) => _byKey.TryGetValue(key, out var f) ? f.Path : Location;

    public SafeTensorsFile FileOf(string key)
        => _byKey.TryGetValue(key, out var f) ? f : throw new CheckpointException(Location, key, "no such tensor in the checkpoint.");

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
