using MLNet.Compression.Modeling;

namespace MLNet.Compression.Persistence;

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
