using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// A weight form that can be written into a compressed model file: its tensors go under <c>prefix</c> (the layer's key,
/// e.g. "bert.encoder.layer.0.attention.self.query.weight" + ".qweight"), and what is needed to read them back goes into
/// the returned metadata, which the manifest stores beside <see cref="IWeight.Format"/>.
/// </summary>
public interface IPersistentWeight : IWeight
{
    IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix);
}

/// <summary>Reads one weight form back from a compressed model file.</summary>
/// <param name="file">the model's tensors</param>
/// <param name="prefix">the same prefix the weight was saved under</param>
/// <param name="metadata">what <see cref="IPersistentWeight.Save"/> returned</param>
public delegate IWeight WeightReader(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata);

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

/// <summary>The weight forms of this build, one line each (quantized and sparse forms add themselves here).</summary>
internal static class KnownForms
{
    public static (string Format, WeightReader Reader)[] All =>
    [
        (Compression.Quantization.Int8Weight.PerTensorFormat, Compression.Quantization.Int8Weight.Read),
        (Compression.Quantization.Int8Weight.PerChannelFormat, Compression.Quantization.Int8Weight.Read),
        ("f16", Compression.Quantization.HalfWeight.Reader(Compression.Quantization.HalfKind.Float16)),
        ("bf16", Compression.Quantization.HalfWeight.Reader(Compression.Quantization.HalfKind.BFloat16)),
        (Compression.Quantization.KBitWeight.FormatName, Compression.Quantization.KBitWeight.Read),
        (Compression.Pruning.CsrWeight.FormatName, Compression.Pruning.CsrWeight.Read),
        (Compression.Pruning.NMWeight.FormatName, Compression.Pruning.NMWeight.Read),
    ];
}
