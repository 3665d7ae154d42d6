using System.Text.Json;

namespace MLNet.Compression.Recipes;

/// <summary>A per-layer plan file: a JSON object from layer name (Hugging Face key prefix) to sparsity or bits.</summary>
public static class RecipePlan
{
    public static IReadOnlyDictionary<string, double> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such plan file.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})."); }
        using (doc) return Parse(doc.RootElement, path);
    }

    public static IReadOnlyDictionary<string, double> Parse(JsonElement plan, string where)
    {
        if (plan.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: expected an object mapping layer names to numbers, e.g. {{\"bert.encoder.layer.0.output.dense\": 0.7}}.");
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in plan.EnumerateObject())
            map[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble()
                : throw new InvalidDataException($"{where}: '{p.Name}': expected a number, found {p.Value.GetRawText()}.");
        if (map.Count == 0) throw new InvalidDataException($"{where}: the plan names no layer.");
        return map;
    }
}
