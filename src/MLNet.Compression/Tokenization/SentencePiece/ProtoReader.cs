namespace MLNet.Compression.Tokenization;

/// <summary>
/// A minimal protocol-buffers wire-format reader (https://protobuf.dev/programming-guides/encoding/): varints,
/// fixed 32/64-bit values and length-delimited fields; enough to read SentencePiece's <c>.model</c> without a protobuf library.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private readonly string _path;

    public ProtoReader(ReadOnlySpan<byte> data, string path)
    {
        _data = data;
        _pos = 0;
        _path = path;
    }

    public readonly bool End => _pos >= _data.Length;

    /// <summary>Reads a field key; wire type in the low 3 bits.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        field = wireType = 0;
        if (End) return false;
        ulong key = ReadVarint();
        field = (int)(key >> 3);
        wireType = (int)(key & 7);
        if (field <= 0) throw Corrupt($"field number {field} at byte {_pos}");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length) throw Corrupt("a varint runs past the end of the data");
            byte b = _data[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Corrupt("a varint is longer than 10 bytes");
    }

    public float ReadFloat()
    {
        if (_pos + 4 > _data.Length) throw Corrupt("a 32-bit value runs past the end of the data");
        float v = BitConverter.ToSingle(_data.Slice(_pos, 4));
        _pos += 4;
        return v;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_data.Length - _pos)) throw Corrupt($"a field of {len} bytes runs past the end of the data");
        var s = _data.Slice(_pos, (int)len);
        _pos += (int)len;
        return s;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw Corrupt($"unsupported wire type {wireType}");
        }
    }

    private void Advance(int n)
    {
        if (_pos + n > _data.Length) throw Corrupt("a fixed-size value runs past the end of the data");
        _pos += n;
    }

    public readonly TokenizerLoadException Corrupt(string what) =>
        new(_path, "not a valid SentencePiece model protobuf: " + what + ".");
}
