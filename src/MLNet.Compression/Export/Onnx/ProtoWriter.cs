using System.Buffers;
using System.Text;

namespace MLNet.Compression.Export.Onnx;

/// <summary>
/// The protobuf wire format, only as much as an ONNX model needs (protobuf.dev/programming-guides/encoding): varints,
/// length-delimited fields (strings, bytes, nested messages) and fixed32 floats. Repeated scalars are written unpacked,
/// which every proto2/proto3 parser accepts (onnx.proto is proto2).
/// </summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Bytes a varint of <paramref name="v"/> takes.</summary>
    public static int VarintSize(ulong v)
    {
        int n = 1;
        while (v >= 0x80) { v >>= 7; n++; }
        return n;
    }

    /// <summary>Bytes of a length-delimited field's tag and length prefix for a payload of <paramref name="length"/> bytes.</summary>
    public static int FieldOverhead(int field, long length) => VarintSize((ulong)(field << 3 | LengthDelimited)) + VarintSize((ulong)length);

    public void WriteVarint(ulong v)
    {
        var span = _buffer.GetSpan(10);
        int i = 0;
        while (v >= 0x80) { span[i++] = (byte)(v | 0x80); v >>= 7; }
        span[i++] = (byte)v;
        _buffer.Advance(i);
    }

    private void Tag(int field, int wire) => WriteVarint((ulong)(field << 3 | wire));

    /// <summary>int32/int64/enum fields: negative values are sign-extended to 64 bits (ten bytes), as the encoding says.</summary>
    public ProtoWriter Int(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, Fixed32);
        var span = _buffer.GetSpan(4);
        BitConverter.TryWriteBytes(span, value); // little-endian on every platform .NET runs this library on
        _buffer.Advance(4);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        LengthPrefix(field, value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    /// <summary>A nested message: tag, length, then its bytes.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.WrittenSpan);

    /// <summary>Only the tag and length of a length-delimited field whose payload the caller writes next (streamed raw data).</summary>
    public ProtoWriter LengthPrefix(int field, long length)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)length);
        return this;
    }
}
