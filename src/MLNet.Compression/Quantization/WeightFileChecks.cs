using System.Globalization;
using MLNet.Compression.IO;

namespace MLNet.Compression.Quantization;

/// <summary>Reading quantized weight forms back: every missing tensor, wrong shape or bad metadata field names its key.</summary>
internal static class WeightFileChecks
{
    /// <summary>A tensor that must exist with the given rank: its values as float32 and its shape.</summary>
    public static (float[] Data, int[] Shape) Require(ITensorSource file, string key, int rank)
    {
        if (!file.Contains(key)) throw new CheckpointException(file.Location, key, "tensor is missing from the compressed model file.");
        var shape = file.Shape(key);
        if (shape.Length != rank)
            throw new CheckpointException(file.Describe(key), key, $"expected a {rank}-D tensor, found shape [{string.Join(", ", shape)}].");
        return (file.ReadFloat32(key), shape);
    }

    /// <summary>Integer codes stored in a float-readable tensor, checked to lie in [min, max].</summary>
    public static byte[] Bytes(ITensorSource file, string key, float[] data, int max)
    {
        var bytes = new byte[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float v = data[i];
            if (v < 0 || v > max || v != MathF.Round(v))
                throw new CheckpointException(file.Describe(key), key, $"value {v} at index {i} is not an integer in [0, {max}].");
            bytes[i] = (byte)v;
        }
        return bytes;
    }

    public static string Field(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata, string field)
        => metadata.TryGetValue(field, out var v) ? v
            : throw new CheckpointException(file.Location, prefix, $"the manifest entry lacks the field \"{field}\".");

    public static int IntField(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata, string field)
    {
        string v = Field(file, prefix, metadata, field);
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n
            : throw new CheckpointException(file.Location, prefix, $"field \"{field}\" should be an integer, found \"{v}\".");
    }

    public static T ParseEnum<T>(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata, string field) where T : struct, Enum
    {
        string v = Field(file, prefix, metadata, field);
        return Enum.TryParse<T>(v, ignoreCase: true, out var e) && Enum.IsDefined(e) ? e
            : throw new CheckpointException(file.Location, prefix,
                $"field \"{field}\" is \"{v}\"; expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }
}
