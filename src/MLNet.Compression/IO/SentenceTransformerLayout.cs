using System.Text.Json;

namespace MLNet.Compression.IO;

/// <summary>
/// Where a sentence-transformers folder keeps its Transformer module (config.json, weights and tokenizer): at the root in
/// folders saved by sentence-transformers 2 and later, in a subfolder (modules.json path "0_Transformer", "0_BERT") in
/// older ones. Model and tokenizer loading read the subfolder when the root holds no model of its own.
/// </summary>
public static class SentenceTransformerLayout
{
    public const string ModulesFile = "modules.json";

    /// <summary>
    /// The Transformer module's folder when <paramref name="folder"/> lists one in a subfolder of modules.json; null when
    /// there is no modules.json, the module sits at the root, or the file cannot be read (the sentence-transformers reader
    /// reports a malformed modules.json, naming it).
    /// </summary>
    public static string? TransformerSubfolder(string folder)
    {
        string path = Path.Combine(folder, ModulesFile);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return null;
            foreach (var m in doc.RootElement.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String
                    || !t.GetString()!.EndsWith("Transformer", StringComparison.Ordinal)) continue;
                string sub = m.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
                return sub.Length == 0 ? null : Path.Combine(folder, sub);
            }
        }
        catch (JsonException) { }
        return null;
    }

    /// <summary>
    /// modules.json of <paramref name="folder"/> with the Transformer module moved to the root (path ""): what a copy writes
    /// when it puts the module's files at its own root.
    /// </summary>
    public static string ModulesWithTransformerAtRoot(string folder)
    {
        string path = Path.Combine(folder, ModulesFile);
        var list = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path)) as System.Text.Json.Nodes.JsonArray
            ?? throw new InvalidDataException($"{path}: expected a list of modules.");
        foreach (var m in list)
            if (m is System.Text.Json.Nodes.JsonObject o && o["type"]?.GetValue<string>() is { } type && type.EndsWith("Transformer", StringComparison.Ordinal))
                o["path"] = "";
        return list.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
