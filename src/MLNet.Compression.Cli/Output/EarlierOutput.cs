using System.Buffers.Binary;
using System.Text.Json;

namespace MLNet.Compression.Cli.Output;

/// <summary>
/// Recognises files this tool wrote before, so that writing the same output again replaces them while an unrelated file
/// at that path is refused. The outputs carry no common marker, so each is recognised by the fields it always has.
/// </summary>
internal static class EarlierOutput
{
    /// <summary>Whether <paramref name="path"/> holds a JSON object with every one of <paramref name="fields"/>.</summary>
    public static bool IsJsonObjectWith(string path, params string[] fields)
        => IsJsonObject(path, root => fields.All(f => root.TryGetProperty(f, out _)));

    /// <summary>Whether <paramref name="path"/> holds a JSON object that <paramref name="matches"/> accepts.</summary>
    public static bool IsJsonObject(string path, Func<JsonElement, bool> matches)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.ValueKind == JsonValueKind.Object && matches(doc.RootElement);
        }
        catch (JsonException) { return false; }
    }

    /// <summary>Whether <paramref name="path"/> is a safetensors file whose metadata names <paramref name="producer"/>.</summary>
    public static bool IsSafeTensorsFrom(string path, string producer)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8) return false;
        long length = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (length <= 0 || length > Math.Min(stream.Length - 8, 100_000_000)) return false;
        var header = new byte[length];
        stream.ReadExactly(header);
        try
        {
            using var doc = JsonDocument.Parse(header);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("__metadata__", out var meta) && meta.ValueKind == JsonValueKind.Object
                && meta.TryGetProperty("producer", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == producer;
        }
        catch (JsonException) { return false; }
    }
}
