using MLNet.Compression.Modeling;

namespace MLNet.Compression.Persistence;

/// <summary>The registry of weight forms the compressed model format knows, by <see cref="IWeight.Format"/>.</summary>
public static class WeightFormats
{
    private static readonly Dictionary<string, WeightReader> Readers = new(StringComparer.Ordinal);

    static WeightFormats()
    {
        Register("dense-f32", (file, prefix, _) => new DenseWeight(new Tensors.Tensor(file.ReadFloat32(prefix), file.Shape(prefix))));
        foreach (var (format, reader) in KnownForms.All) Register(format, reader);
    }

    public static void Register(string format, WeightReader reader) => Readers[format] = reader;

    public static bool TryGet(string format, out WeightReader reader) => Readers.TryGetValue(format, out reader!);

    public static IReadOnlyCollection<string> Formats => Readers.Keys;
}
