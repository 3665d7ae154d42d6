using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>
/// A weight-only quantized linear weight: k-bit codes (2..8) packed into bytes, a float scale per (row, group) and, for
/// asymmetric grids, an integer zero point per (row, group); w = (q − z)·s. Produced by RTN and GPTQ. Multiplies with
/// <see cref="KBitGemm"/>: dequantizing in registers at batch 1, through an L2-sized float tile for larger batches.
/// </summary>
public sealed class KBitWeight : IPersistentWeight
{
    /// <summary>Format name in manifests and <c>info</c>.</summary>
    public const string FormatName = "kbit-group";

    private readonly byte[] _packed; // [out, RowBytes] + slack
    private readonly float[] _scales; // [out, groups]
    private readonly float[] _zeros;  // [out, groups]

    /// <param name="codes">[out, in] unsigned codes, each below 2^bits</param>
    /// <param name="scales">[out, groups]</param>
    /// <param name="zeros">[out, groups] integer zero points (symmetric grids: all (2^bits)/2)</param>
    /// <param name="groupSize">columns per group: a multiple of 16, or at least <paramref name="inFeatures"/> (one group per row)</param>
    public KBitWeight(ReadOnlySpan<byte> codes, float[] scales, float[] zeros, int outFeatures, int inFeatures, int bits, int groupSize, bool symmetric)
    {
        if (bits < 2 || bits > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"bits must be 2..8, got {bits}.");
        if (groupSize <= 0 || groupSize < inFeatures && groupSize % KBitGemm.Chunk != 0)
            throw new ArgumentException($"group size {groupSize} must be a multiple of {KBitGemm.Chunk} or cover the whole row ({inFeatures}).");
        groupSize = Math.Min(groupSize, inFeatures);
        int groups = (inFeatures + groupSize - 1) / groupSize;
        if (codes.Length != (long)outFeatures * inFeatures) throw new ArgumentException($"{codes.Length} codes for [{outFeatures}, {inFeatures}].");
        if (scales.Length != outFeatures * groups || zeros.Length != outFeatures * groups)
            throw new ArgumentException($"need {outFeatures * groups} scales and zero points ([{outFeatures}, {groups}]), got {scales.Length} and {zeros.Length}.");
        foreach (float z in zeros)
            if (z < 0 || z > (1 << bits) || z != MathF.Round(z)) throw new ArgumentException($"zero point {z} is not an integer in [0, {1 << bits}].");
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Bits = bits;
        GroupSize = groupSize;
        Groups = groups;
        Symmetric = symmetric;
        _packed = KBitGemm.Pack(codes, outFeatures, inFeatures, bits);
        _scales = (float[])scales.Clone();
        _zeros = (float[])zeros.Clone();
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int Bits { get; }

    /// <summary>Columns sharing one scale (and zero point).</summary>
    public int GroupSize { get; }

    public int Groups { get; }

    /// <summary>True when every zero point is the grid's middle, so none is stored.</summary>
    public bool Symmetric { get; }

    public string Format => FormatName;

    /// <summary>Packed codes, float32 scales, and one byte per zero point when the grid is asymmetric.</summary>
    public long StorageBytes => StorageBytesOf(OutFeatures, InFeatures, Bits, GroupSize, Symmetric);

    /// <summary>
    /// Bytes an [out, in] weight takes in this form: the packed codes, a float scale per (row, group) and, for asymmetric
    /// grids, a one-byte zero point per (row, group). <paramref name="groupSize"/> -1 is one group per row.
    /// </summary>
    public static long StorageBytesOf(int outFeatures, int inFeatures, int bits, int groupSize, bool symmetric)
    {
        long groups = (long)outFeatures * (groupSize <= 0 ? 1 : (inFeatures + groupSize - 1) / groupSize);
        return (long)outFeatures * KBitGemm.RowBytes(inFeatures, bits) + groups * sizeof(float) + (symmetric ? 0 : groups);
    }

    public int Code(int row, int col) => KBitGemm.Code(_packed, KBitGemm.RowBytes(InFeatures, Bits), Bits, row, col);

    public float Scale(int row, int group) => _scales[row * Groups + group];

    public float Zero(int row, int group) => _zeros[row * Groups + group];

    /// <summary>
    /// <paramref name="weight"/> [out, in] rounded onto this layer's own grids (its scales and zero points kept, only the
    /// codes chosen anew), as quantization-aware training with frozen scales does; recovery training uses it so that a
    /// layer keeps the grid its quantizer (RTN or GPTQ) chose.
    /// </summary>
    public KBitWeight OnSameGrid(Tensor weight)
    {
        if (weight.Rank != 2 || weight.Dim(0) != OutFeatures || weight.Dim(1) != InFeatures)
            throw new ArgumentException($"weights of shape [{string.Join(", ", weight.Shape)}] cannot take the grid of a [{OutFeatures}, {InFeatures}] layer.");
        int maxq = (1 << Bits) - 1;
        var codes = new byte[weight.Length]; // [out, in]
        var w = weight.ReadOnlySpan;
        for (int o = 0; o < OutFeatures; o++)
            for (int g = 0; g < Groups; g++)
            {
                var grid = new GroupGrid(Scale(o, g), Zero(o, g), maxq);
                int c0 = g * GroupSize, c1 = Math.Min(c0 + GroupSize, InFeatures);
                for (int c = c0; c < c1; c++) codes[o * InFeatures + c] = (byte)grid.Code(w[o * InFeatures + c]);
            }
        return new KBitWeight(codes, _scales, _zeros, OutFeatures, InFeatures, Bits, GroupSize, Symmetric);
    }

    public Tensor ToDense()
    {
        var d = new float[(long)OutFeatures * InFeatures]; // [out, in]
        KBitGemm.Dequantize(_packed, InFeatures, Bits, GroupSize, _scales, _zeros, 0, OutFeatures, d);
        return new Tensor(d, OutFeatures, InFeatures);
    }

    /// <summary>Input rows below this go through the in-register GEMV, one row at a time.</summary>
    public const int GemvRows = 4;

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        if (x.Length < (long)rows * InFeatures || y.Length < (long)rows * OutFeatures) throw new ArgumentException("k-bit multiply: operand shorter than its shape.");
        if (rows < GemvRows)
        {
            for (int r = 0; r < rows; r++)
                KBitGemm.Gemv(x.Slice(r * InFeatures, InFeatures), _packed, OutFeatures, InFeatures, Bits, GroupSize, _scales, _zeros, y.Slice(r * OutFeatures, OutFeatures));
            return;
        }
        DequantizedTiles.Multiply(x, rows, y, OutFeatures, InFeatures,
            (r0, r1, dst) => KBitGemm.Dequantize(_packed, InFeatures, Bits, GroupSize, _scales, _zeros, r0, r1, dst));
    }

    public IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix)
    {
        writer.Add(prefix + ".qweight", _packed.AsSpan(0, _packed.Length - KBitGemm.Slack).ToArray(), OutFeatures, KBitGemm.RowBytes(InFeatures, Bits));
        writer.Add(prefix + ".scales", (float[])_scales.Clone(), OutFeatures, Groups);
        if (!Symmetric) writer.Add(prefix + ".zeros", _zeros.Select(z => (byte)z).ToArray(), OutFeatures, Groups);
        return new Dictionary<string, string>
        {
            ["bits"] = Bits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["group_size"] = GroupSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["in_features"] = InFeatures.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["symmetric"] = Symmetric ? "true" : "false",
        };
    }

    /// <summary>Reads what <see cref="Save"/> wrote; shapes are checked against the manifest's bits, group size and width.</summary>
    public static IWeight Read(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata)
    {
        int bits = WeightFileChecks.IntField(file, prefix, metadata, "bits");
        int groupSize = WeightFileChecks.IntField(file, prefix, metadata, "group_size");
        int inF = WeightFileChecks.IntField(file, prefix, metadata, "in_features");
        bool symmetric = WeightFileChecks.Field(file, prefix, metadata, "symmetric") == "true";
        if (bits < 2 || bits > 8 || groupSize <= 0 || inF <= 0)
            throw new CheckpointException(file.Location, prefix, $"bits {bits}, group_size {groupSize}, in_features {inF}: expected bits 2..8 and positive sizes.");
        var q = WeightFileChecks.Require(file, prefix + ".qweight", 2);
        int outF = q.Shape[0], rowBytes = KBitGemm.RowBytes(inF, bits), groups = (inF + Math.Min(groupSize, inF) - 1) / Math.Min(groupSize, inF);
        if (q.Shape[1] != rowBytes)
            throw new CheckpointException(file.Describe(prefix + ".qweight"), prefix + ".qweight", $"expected {rowBytes} bytes per row for {inF} columns at {bits} bits, found {q.Shape[1]}.");
        var s = WeightFileChecks.Require(file, prefix + ".scales", 2);
        if (s.Shape[0] != outF || s.Shape[1] != groups)
            throw new CheckpointException(file.Describe(prefix + ".scales"), prefix + ".scales", $"expected shape [{outF}, {groups}], found [{string.Join(", ", s.Shape)}].");
        float[] zeros;
        if (symmetric) zeros = Enumerable.Repeat((float)(1 << (bits - 1)), outF * groups).ToArray();
        else
        {
            var z = WeightFileChecks.Require(file, prefix + ".zeros", 2);
            if (z.Shape[0] != outF || z.Shape[1] != groups)
                throw new CheckpointException(file.Describe(prefix + ".zeros"), prefix + ".zeros", $"expected shape [{outF}, {groups}], found [{string.Join(", ", z.Shape)}].");
            zeros = z.Data;
        }
        var packed = WeightFileChecks.Bytes(file, prefix + ".qweight", q.Data, 255);
        var codes = new byte[(long)outF * inF]; // [out, in]
        for (int o = 0; o < outF; o++)
            for (int c = 0; c < inF; c++) codes[(long)o * inF + c] = (byte)KBitGemm.Code(packed, rowBytes, bits, o, c);
        try { return new KBitWeight(codes, s.Data, zeros, outF, inF, bits, groupSize, symmetric); }
        catch (ArgumentException e) { throw new CheckpointException(file.Location, prefix, e.Message); }
    }
}
