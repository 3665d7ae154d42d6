using System.Text.Json;

namespace MLNet.Compression.IO;

/// <summary>
/// A config.json read field by field. Each family's config record pulls the fields it needs with the defaults that
/// Hugging Face's config class declares; a missing required field or a value of the wrong type is reported with
/// the file and field name.
/// </summary>
public sealed class ConfigJson
{
    private readonly JsonElement _root;

    public ConfigJson(string path, JsonElement root)
    {
        Path = path;
        _root = root;
    }

    public string Path { get; }

    public JsonElement Root => _root;

    public static ConfigJson Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, null, "config.json not found; a Hugging Face model folder needs one.");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, null, "expected a JSON object.");
            return new ConfigJson(path, doc.RootElement.Clone());
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"not valid JSON ({e.Message}).");
        }
    }

    public static ConfigJson Parse(string json, string path = "config.json")
    {
        using var doc = JsonDocument.Parse(json);
        return new ConfigJson(path, doc.RootElement.Clone());
    }

    public bool Has(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null;

    private JsonElement? Get(string field) => _root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private CheckpointException Wrong(string field, JsonElement v, string expected)
        => new(Path, field, $"expected {expected}, found {v.GetRawText()}.");

    public CheckpointException Missing(string field, string expected)
        => new(Path, field, $"missing required field (expected {expected}).");

    public int Int(string field) => IntOrNull(field) ?? throw Missing(field, "an integer");

    public int Int(string field, int defaultValue) => IntOrNull(field) ?? defaultValue;

    public int? IntOrNull(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue) return (int)d;
        throw Wrong(field, v, "an integer");
    }

    public double Double(string field) => DoubleOrNull(field) ?? throw Missing(field, "a number");

    public double Double(string field, double defaultValue) => DoubleOrNull(field) ?? defaultValue;

    public double? DoubleOrNull(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw Wrong(field, v, "a number");
    }

    public bool Bool(string field, bool defaultValue)
    {
        if (Get(field) is not { } v) return defaultValue;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(field, v, "true or false"),
        };
    }

    public string String(string field) => StringOrNull(field) ?? throw Missing(field, "a string");

    public string String(string field, string defaultValue) => StringOrNull(field) ?? defaultValue;

    public string? StringOrNull(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw Wrong(field, v, "a string");
    }

    /// <summary>An integer or a list of integers (eos_token_id may be either); empty when absent.</summary>
    public int[] IntList(string field)
    {
        if (Get(field) is not { } v) return [];
        if (v.ValueKind == JsonValueKind.Number) return [IntOrNull(field)!.Value];
        if (v.ValueKind == JsonValueKind.Array)
            return v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) ? i : throw Wrong(field, v, "a list of integers")).ToArray();
        throw Wrong(field, v, "an integer or a list of integers");
    }

    /// <summary>A nested object (rope_scaling), or null.</summary>
    public ConfigJson? Object(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Object) throw Wrong(field, v, "an object");
        return new ConfigJson(Path + "#" + field, v);
    }

    /// <summary>Fails when a field holds a value this implementation does not support, naming what is supported.</summary>
    public CheckpointException Unsupported(string field, string value, string supported)
        => new(Path, field, $"value \"{value}\" is not supported (supported: {supported}).");
}
