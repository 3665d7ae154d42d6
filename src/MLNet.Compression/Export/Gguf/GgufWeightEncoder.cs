using MLNet.Compression.Modeling;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Export.Gguf;

/// <summary>How one tensor went into the file: where from, as what, how (grid kept, requantized, …) and the error against the model's own values.</summary>
public sealed class GgufTensorReport
{
    public required string Name { get; init; }

    /// <summary>Row-major shape, outermost first.</summary>
    public required int[] Shape { get; init; }

    /// <summary>The engine's form of the tensor: dense-f32, f16, kbit-group (4-bit g32 sym), int8-per-channel, csr, …</summary>
    public required string Source { get; init; }

    public required GgmlType Type { get; init; }

    /// <summary>How it was converted: "exact", "grid kept (codes exact, scales rounded to fp16)", "requantized", "written dense", …</summary>
    public required string How { get; init; }

    /// <summary>Largest |file value − model value|, measured while writing (0 for exact copies).</summary>
    public double MaxError { get; internal set; }

    /// <summary>Root mean square of (file value − model value).</summary>
    public double RmsError { get; internal set; }

    /// <summary>Root mean square of the model's values, to read <see cref="RmsError"/> against.</summary>
    public double RmsValue { get; internal set; }

    public long Bytes { get; internal set; }
}

/// <summary>
/// Chooses a ggml type for each tensor and produces its bytes. The compressed forms map onto ggml types as follows
/// (docs/FORMATS.md, GGUF): a k-bit weight with groups of 32 along rows a multiple of 32 long keeps its grid exactly when
/// ggml has one of that shape (8-bit symmetric → Q8_0 with q − 128; 4-bit symmetric → Q4_0 with the code as nibble;
/// 4-bit asymmetric → Q4_1 with d = s, m = −z·s); only the scales are rounded to fp16 as ggml stores them. Every other
/// form is written from its exact dense equivalent, requantized with ggml's reference rounding where a quantized type is
/// asked for, and the error is measured against the model's values.
/// </summary>
internal static class GgufWeightEncoder
{
    /// <summary>The type "auto" picks for a linear weight: the ggml type closest to its form without losing more than it does.</summary>
    public static GgmlType AutoType(IWeight w) => w switch
    {
        HalfWeight { Kind: HalfKind.Float16 } => GgmlType.F16,
        KBitWeight k when k.Bits <= 4 => k.Symmetric ? GgmlType.Q4_0 : GgmlType.Q4_1,
        KBitWeight => GgmlType.Q8_0,
        Int8Weight => GgmlType.Q8_0,
        _ => GgmlType.F32, // dense, bf16 (not exactly F16), sparse forms written dense
    };

    /// <summary>The ggml type whose block grid a k-bit weight's own grid is, or null.</summary>
    public static GgmlType? GridType(KBitWeight k)
    {
        if (k.GroupSize != GgmlTypes.BlockSize || k.InFeatures % GgmlTypes.BlockSize != 0) return null;
        if (k.Bits == 8 && k.Symmetric) return GgmlType.Q8_0;
        if (k.Bits == 4) return k.Symmetric ? GgmlType.Q4_0 : GgmlType.Q4_1;
        return null;
    }

    /// <summary>
    /// The type a [rows, rowLength] tensor is written as when <paramref name="wanted"/> is asked: quantized types need rows
    /// a multiple of 32 long, otherwise the tensor is written F32 (exact) and the report says so.
    /// </summary>
    public static GgmlType Fit(GgmlType wanted, int rowLength)
        => GgmlTypes.IsQuantized(wanted) && rowLength % GgmlTypes.BlockSize != 0 ? GgmlType.F32 : wanted;

    /// <summary>
    /// A linear weight [out, in] as <paramref name="wanted"/> (already fitted to the row length); returns its report and a
    /// producer of its bytes that fills the report's error figures when called.
    /// </summary>
    public static (GgufTensorReport Report, Func<byte[]> Data) Linear(string name, IWeight w, GgmlType wanted, GgmlType asked, Func<float[], float[]>? permuteRows = null)
    {
        int[] shape = [w.OutFeatures, w.InFeatures];
        string source = Describe(w);
        // A k-bit grid also survives a row permutation (rows move whole), so the llama q/k permutation keeps it.
        var grid = w is KBitWeight k && GridType(k) == wanted ? k : null;
        string how = grid is not null ? "grid kept (codes exact, scales rounded to fp16)"
            : wanted != asked && GgmlTypes.IsQuantized(asked) ? $"F32: rows of {w.InFeatures} are not a multiple of 32, which {GgmlTypes.Name(asked)} needs"
            : w switch
            {
                DenseWeight when wanted == GgmlType.F32 => "exact",
                HalfWeight { Kind: HalfKind.Float16 } when wanted is GgmlType.F16 or GgmlType.F32 => "exact",
                HalfWeight when wanted == GgmlType.F32 => "exact",
                CsrWeight or NMWeight => $"sparse written dense{(wanted == GgmlType.F32 ? "" : wanted == GgmlType.F16 ? ", rounded to fp16" : ", requantized")}",
                KBitWeight or Int8Weight when wanted == GgmlType.F32 => "dequantized (exact)",
                _ when wanted == GgmlType.F32 => "dense equivalent (exact)",
                _ when GgmlTypes.IsQuantized(wanted) => "requantized",
                _ => "rounded to fp16",
            };
        var report = new GgufTensorReport { Name = name, Shape = shape, Source = source, Type = wanted, How = how };
        return (report, () =>
        {
            var dense = w.ToDense().Data; // [out, in]
            if (permuteRows is not null) dense = permuteRows(dense);
            byte[] bytes = grid is not null ? FromGrid(grid, wanted, permuteRows) : GgmlBlocks.Encode(wanted, dense, w.InFeatures);
            Measure(report, dense, bytes);
            return bytes;
        });
    }

    /// <summary>A plain tensor (norm, bias, embedding) as <paramref name="type"/>.</summary>
    public static (GgufTensorReport Report, Func<byte[]> Data) Plain(string name, int[] shape, Func<float[]> values, GgmlType type, string source = "dense-f32")
    {
        var report = new GgufTensorReport
        {
            Name = name, Shape = shape, Source = source, Type = type,
            How = type == GgmlType.F32 ? "exact" : GgmlTypes.IsQuantized(type) ? "quantized" : "rounded to fp16",
        };
        return (report, () =>
        {
            var v = values();
            var bytes = GgmlBlocks.Encode(type, v, shape[^1]);
            Measure(report, v, bytes);
            return bytes;
        });
    }

    private static string Describe(IWeight w) => w switch
    {
        KBitWeight k => $"{k.Format} ({k.Bits}-bit g{k.GroupSize} {(k.Symmetric ? "sym" : "asym")})",
        _ => w.Format,
    };

    /// <summary>
    /// Blocks built from a k-bit weight's codes and scales ([out, in], groups of 32): Q8_0 q = code − 128 (the symmetric
    /// 8-bit zero point), Q4_0 nibble = code (zero point 8, as ggml's), Q4_1 nibble = code, d = s, m = −z·s.
    /// <paramref name="permuteRows"/> reorders whole rows, found by applying it to the row indices.
    /// </summary>
    private static byte[] FromGrid(KBitWeight k, GgmlType type, Func<float[], float[]>? permuteRows)
    {
        int rows = k.OutFeatures, cols = k.InFeatures, blocksPerRow = cols / GgmlTypes.BlockSize, bb = GgmlTypes.BlockBytes(type);
        int[] order = Enumerable.Range(0, rows).ToArray();
        if (permuteRows is not null)
        {
            // Row r of the permuted matrix is row order[r] of the original: permute a matrix whose rows hold their own index.
            var probe = new float[(long)rows * cols];
            for (int r = 0; r < rows; r++) probe.AsSpan(r * cols, cols).Fill(r);
            var moved = permuteRows(probe);
            for (int r = 0; r < rows; r++) order[r] = (int)moved[(long)r * cols];
        }
        var bytes = new byte[(long)rows * blocksPerRow * bb];
        Span<int> codes = stackalloc int[GgmlTypes.BlockSize];
        for (int r = 0; r < rows; r++)
        {
            int src = order[r];
            for (int g = 0; g < blocksPerRow; g++)
            {
                float s = k.Scale(src, g), z = k.Zero(src, g);
                for (int j = 0; j < GgmlTypes.BlockSize; j++)
                {
                    int c = k.Code(src, g * GgmlTypes.BlockSize + j);
                    codes[j] = type == GgmlType.Q8_0 ? c - 128 : c;
                }
                GgmlBlocks.WriteBlock(type, codes, s, -z * s, bytes.AsSpan((int)(((long)r * blocksPerRow + g) * bb), bb));
            }
        }
        return bytes;
    }

    private static void Measure(GgufTensorReport report, float[] truth, byte[] bytes)
    {
        var back = report.Type == GgmlType.F32 ? null : GgmlBlocks.Decode(report.Type, bytes, truth.Length);
        double max = 0, se = 0, sv = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            double e = back is null ? 0 : Math.Abs(back[i] - truth[i]);
            max = Math.Max(max, e);
            se += e * e;
            sv += (double)truth[i] * truth[i];
        }
        report.MaxError = max;
        report.RmsError = truth.Length == 0 ? 0 : Math.Sqrt(se / truth.Length);
        report.RmsValue = truth.Length == 0 ? 0 : Math.Sqrt(sv / truth.Length);
        report.Bytes = bytes.LongLength;
    }
}
