using System.Text.Json;

namespace MLNet.Compression.IO;

public static class JsonWriterExtensions
{
    /// <summary>A number, or null when it is missing, NaN or infinite (JSON has no NaN; readers take null as "not available").</summary>
    public static void WriteNumberOrNull(this Utf8JsonWriter w, string name, double? value)
    {
        if (value is double d && double.IsFinite(d)) w.WriteNumber(name, d);
        else w.WriteNull(name);
    }
}
