using System.Text.Json.Nodes;

namespace MLNet.Compression.ML.Stages;

/// <summary>Reads the fields of a stage's settings in stages.json; a missing or mistyped field is an <see cref="InvalidDataException"/> naming it.</summary>
internal static class StageJson
{
    public static string String(JsonObject o, string field) => Get(o, field, n => n.GetValue<string>(), "a string");

    public static int Int(JsonObject o, string field) => Get(o, field, n => n.GetValue<int>(), "an integer");

    public static bool Bool(JsonObject o, string field) => Get(o, field, n => n.GetValue<bool>(), "true or false");

    private static T Get<T>(JsonObject o, string field, Func<JsonNode, T> read, string expected)
    {
        if (o[field] is not { } node) throw new InvalidDataException($"field '{field}' is missing (expected {expected}).");
        try { return read(node); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"field '{field}' is {node.ToJsonString()} (expected {expected}).");
        }
    }
}
