using System.Globalization;
using MLNet.Compression.IO;

namespace MLNet.Compression.Pruning;

/// <summary>Shared checks for reading sparse forms back.</summary>
internal static class SparseMetadata
{
    public static int Int(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata, string field)
    {
        if (!metadata.TryGetValue(field, out var text) || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new CheckpointException(file.Location, prefix, $"the manifest entry needs a positive integer \"{field}\", got \"{(text ?? "nothing")}\".");
        return v;
    }

    public static float[] Tensor(ITensorSource file, string key)
    {
        if (!file.Contains(key)) throw new CheckpointException(file.Location, key, "tensor is missing.");
        return file.ReadFloat32(key);
    }
}
