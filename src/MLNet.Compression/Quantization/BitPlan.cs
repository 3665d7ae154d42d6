using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Quantization;

/// <summary>
/// Bits per layer, by Hugging Face key prefix ("bert.encoder.layer.3.attention.self.query"), for mixed-precision
/// quantization; layers the plan does not name use the estimator's default bits.
/// JSON form: <c>{ "bert.encoder.layer.0.attention.self.query": 8, "bert.encoder.layer.0.output.dense": 3 }</c>.
/// </summary>
public sealed class BitPlan
{
    private readonly Dictionary<string, int> _bits;

    public BitPlan(IReadOnlyDictionary<string, int> bits)
    {
        foreach (var (layer, b) in bits)
            if (b < 2 || b > 8) throw new ArgumentException($"bit plan: layer \"{layer}\" has {b} bits; weight-only quantization supports 2..8.");
        _bits = new Dictionary<string, int>(bits, StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, int> Layers => _bits;

    public int BitsFor(string layer, int defaultBits) => _bits.TryGetValue(layer, out int b) ? b : defaultBits;

    /// <summary>Reads a plan file; a malformed entry is reported with the file and the layer name.</summary>
    public static BitPlan Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"bit plan {path} does not exist.", path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new CheckpointException(path, null, $"not valid JSON: {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(path, null, "expected a JSON object mapping layer names to bits.");
            var bits = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int b) || b < 2 || b > 8)
                    throw new CheckpointException(path, p.Name, $"expected an integer number of bits in 2..8, found {p.Value.GetRawText()}.");
                bits[p.Name] = b;
            }
            return new BitPlan(bits);
        }
    }

    /// <summary>Fails when the plan names a layer the chosen group does not contain (a typo would otherwise pass silently).</summary>
    internal void CheckCovers(IEnumerable<string> layers)
    {
        var known = new HashSet<string>(layers, StringComparer.Ordinal);
        var unknown = _bits.Keys.Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"bit plan names layers that are not being quantized: {string.Join(", ", unknown.Take(5))}{(unknown.Count > 5 ? ", ..." : "")}.");
    }
}
