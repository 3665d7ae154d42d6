namespace MLNet.Compression.Export.Gguf;

/// <summary>
/// The ggml tensor types this exporter writes, with their ids from ggml.h (enum ggml_type). Quantized types store
/// blocks of <see cref="GgmlTypes.BlockSize"/> consecutive values of a row (ggml-common.h block_q8_0, block_q4_0, block_q4_1).
/// </summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q8_0 = 8,
}

/// <summary>Sizes of the ggml types (ggml.c type_traits: blck_size, type_size).</summary>
public static class GgmlTypes
{
    /// <summary>QK8_0 = QK4_0 = QK4_1 = 32 values per block.</summary>
    public const int BlockSize = 32;

    /// <summary>True for the block-quantized types, whose rows must be a multiple of <see cref="BlockSize"/> long.</summary>
    public static bool IsQuantized(GgmlType t) => t is GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q8_0;

    /// <summary>Bytes of one block (or one value for F32/F16): block_q8_0 = fp16 d + 32 int8; block_q4_0 = fp16 d + 16 bytes of nibbles; block_q4_1 = fp16 d, fp16 m + 16 bytes.</summary>
    public static int BlockBytes(GgmlType t) => t switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 => 2,
        GgmlType.Q8_0 => 2 + 32,
        GgmlType.Q4_0 => 2 + 16,
        GgmlType.Q4_1 => 2 + 2 + 16,
        _ => throw new ArgumentOutOfRangeException(nameof(t), $"ggml type {t} is not written by this exporter."),
    };

    /// <summary>Values per block: 1 for F32/F16, 32 for the quantized types.</summary>
    public static int ValuesPerBlock(GgmlType t) => IsQuantized(t) ? BlockSize : 1;

    /// <summary>Bytes of a tensor of <paramref name="count"/> values whose rows are <paramref name="rowLength"/> long.</summary>
    public static long ByteSize(GgmlType t, long count, long rowLength)
    {
        if (rowLength % ValuesPerBlock(t) != 0)
            throw new ArgumentException($"rows of {rowLength} values cannot be stored as {t}: its blocks hold {ValuesPerBlock(t)} values.");
        return count / ValuesPerBlock(t) * BlockBytes(t);
    }

    /// <summary>The lower-case name used on the command line and in logs: f32, f16, q8_0, q4_0, q4_1.</summary>
    public static string Name(GgmlType t) => t.ToString().ToLowerInvariant();

    /// <summary>Parses f32, f16, q8_0, q4_0, q4_1 (any case); null for anything else.</summary>
    public static GgmlType? Parse(string s) => s.ToLowerInvariant() switch
    {
        "f32" => GgmlType.F32,
        "f16" => GgmlType.F16,
        "q8_0" => GgmlType.Q8_0,
        "q4_0" => GgmlType.Q4_0,
        "q4_1" => GgmlType.Q4_1,
        _ => null,
    };
}

/// <summary>Metadata value types of GGUF (ggml docs/gguf.md, enum gguf_metadata_value_type).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>Constants of the GGUF container (ggml docs/gguf.md).</summary>
public static class GgufFormat
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>The version written; readers here accept 2 and 3 (3 adds big-endian support only).</summary>
    public const uint Version = 3;

    /// <summary>GGUF_DEFAULT_ALIGNMENT: tensor data offsets are multiples of it (general.alignment overrides it).</summary>
    public const uint DefaultAlignment = 32;

    /// <summary>
    /// The key this project writes into every export (its value: the tool and version), so a later export may replace the
    /// file while any other file at the output path is refused.
    /// </summary>
    public const string ExportMarkerKey = "general.mlnet_compress.export";

    /// <summary>
    /// general.file_type (llama.h enum llama_ftype) of a file whose weights are mostly of type <paramref name="t"/>:
    /// ALL_F32 = 0, MOSTLY_F16 = 1, MOSTLY_Q4_0 = 2, MOSTLY_Q4_1 = 3, MOSTLY_Q8_0 = 7.
    /// </summary>
    public static uint FileType(GgmlType t) => t switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q4_0 => 2,
        GgmlType.Q4_1 => 3,
        GgmlType.Q8_0 => 7,
        _ => 0,
    };
}
