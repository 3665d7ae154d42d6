using System.Buffers.Binary;

namespace MLNet.Compression.Export.Gguf;

/// <summary>
/// Encodes and decodes ggml's tensor storage (ggml-common.h block layouts; rules of ggml-quants.c quantize_row_*_ref and
/// dequantize_row_*), written here from the format description. Every row is encoded on its own, so a quantized row's
/// length must be a multiple of 32. fp16 values are IEEE binary16, rounded to nearest even like GGML_FP32_TO_FP16.
/// </summary>
public static class GgmlBlocks
{
    private const int QK = GgmlTypes.BlockSize;

    /// <summary>[count] float32 values (row-major, rows of <paramref name="rowLength"/>) in type <paramref name="type"/>.</summary>
    public static byte[] Encode(GgmlType type, ReadOnlySpan<float> values, int rowLength)
    {
        var bytes = new byte[GgmlTypes.ByteSize(type, values.Length, rowLength)];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                break;
            default:
                int bb = GgmlTypes.BlockBytes(type);
                for (int b = 0; b < values.Length / QK; b++)
                {
                    var x = values.Slice(b * QK, QK);
                    var o = bytes.AsSpan(b * bb, bb);
                    if (type == GgmlType.Q8_0) QuantizeQ8_0(x, o);
                    else if (type == GgmlType.Q4_0) QuantizeQ4_0(x, o);
                    else QuantizeQ4_1(x, o);
                }
                break;
        }
        return bytes;
    }

    /// <summary>
    /// quantize_row_q8_0_ref: d = max|x| / 127, q = round(x / d) (half away from zero, as C roundf), d stored as fp16.
    /// </summary>
    private static void QuantizeQ8_0(ReadOnlySpan<float> x, Span<byte> o)
    {
        float amax = 0;
        foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
        float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(o, (Half)d);
        for (int j = 0; j < QK; j++) o[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// quantize_row_q4_0_ref: the value of largest magnitude m (sign kept) gives d = m / −8, q = min(15, trunc(x / d + 8.5));
    /// value j sits in the low nibble of byte j, value j + 16 in its high nibble.
    /// </summary>
    private static void QuantizeQ4_0(ReadOnlySpan<float> x, Span<byte> o)
    {
        float amax = 0, max = 0;
        foreach (float v in x)
            if (MathF.Abs(v) > amax) { amax = MathF.Abs(v); max = v; }
        float d = max / -8f, id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(o, (Half)d);
        for (int j = 0; j < QK / 2; j++)
        {
            int q0 = Math.Min(15, (int)(sbyte)(x[j] * id + 8.5f));
            int q1 = Math.Min(15, (int)(sbyte)(x[j + QK / 2] * id + 8.5f));
            o[2 + j] = (byte)(q0 | (q1 << 4));
        }
    }

    /// <summary>quantize_row_q4_1_ref: d = (max − min) / 15, m = min, q = min(15, trunc((x − min) / d + 0.5)); d and m as fp16.</summary>
    private static void QuantizeQ4_1(ReadOnlySpan<float> x, Span<byte> o)
    {
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in x) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
        float d = (max - min) / 15f, id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(o, (Half)d);
        BinaryPrimitives.WriteHalfLittleEndian(o[2..], (Half)min);
        for (int j = 0; j < QK / 2; j++)
        {
            int q0 = Math.Min(15, (int)(sbyte)((x[j] - min) * id + 0.5f));
            int q1 = Math.Min(15, (int)(sbyte)((x[j + QK / 2] - min) * id + 0.5f));
            o[4 + j] = (byte)(q0 | (q1 << 4));
        }
    }

    /// <summary>
    /// One block written from an existing grid instead of fitted: <paramref name="codes"/> [32] are the nibbles (Q4_0, Q4_1)
    /// or signed bytes (Q8_0) as stored, <paramref name="d"/> the scale and <paramref name="m"/> the minimum (Q4_1 only);
    /// d and m are rounded to fp16, the block's only loss.
    /// </summary>
    public static void WriteBlock(GgmlType type, ReadOnlySpan<int> codes, float d, float m, Span<byte> o)
    {
        BinaryPrimitives.WriteHalfLittleEndian(o, (Half)d);
        switch (type)
        {
            case GgmlType.Q8_0:
                for (int j = 0; j < QK; j++) o[2 + j] = (byte)checked((sbyte)codes[j]);
                break;
            case GgmlType.Q4_0:
            case GgmlType.Q4_1:
                int at = type == GgmlType.Q4_0 ? 2 : 4;
                if (type == GgmlType.Q4_1) BinaryPrimitives.WriteHalfLittleEndian(o[2..], (Half)m);
                for (int j = 0; j < QK / 2; j++)
                {
                    if ((uint)codes[j] > 15 || (uint)codes[j + QK / 2] > 15) throw new ArgumentOutOfRangeException(nameof(codes), "a 4-bit code outside 0..15.");
                    o[at + j] = (byte)(codes[j] | (codes[j + QK / 2] << 4));
                }
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), $"{type} has no blocks.");
        }
    }

    /// <summary>[count] float32 values from a tensor's bytes (dequantize_row_q8_0: d·q; q4_0: d·(q − 8); q4_1: d·q + m).</summary>
    public static float[] Decode(GgmlType type, ReadOnlySpan<byte> bytes, int count)
    {
        var y = new float[count];
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < count; i++) y[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < count; i++) y[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                break;
            default:
                int bb = GgmlTypes.BlockBytes(type);
                for (int b = 0; b < count / QK; b++)
                {
                    var blk = bytes.Slice(b * bb, bb);
                    float d = (float)BinaryPrimitives.ReadHalfLittleEndian(blk);
                    var dst = y.AsSpan(b * QK, QK);
                    if (type == GgmlType.Q8_0)
                        for (int j = 0; j < QK; j++) dst[j] = (sbyte)blk[2 + j] * d;
                    else
                    {
                        float m = type == GgmlType.Q4_1 ? (float)BinaryPrimitives.ReadHalfLittleEndian(blk[2..]) : 0f;
                        int at = type == GgmlType.Q4_0 ? 2 : 4, off = type == GgmlType.Q4_0 ? 8 : 0;
                        for (int j = 0; j < QK / 2; j++)
                        {
                            int q0 = blk[at + j] & 0xF, q1 = blk[at + j] >> 4;
                            dst[j] = type == GgmlType.Q4_0 ? (q0 - off) * d : q0 * d + m;
                            dst[j + QK / 2] = type == GgmlType.Q4_0 ? (q1 - off) * d : q1 * d + m;
                        }
                    }
                }
                break;
        }
        return y;
    }
}
