using System.Globalization;
using System.Runtime.InteropServices;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// An unstructured sparse weight in compressed sparse row form (one CSR row per output): float32 values, 16-bit column
/// indices and row offsets, 6 bytes per nonzero plus 4 per output, so it is smaller than dense float32 above about
/// 33% sparsity and multiplies with <see cref="SparseGemm.CsrMultiplyTransposed"/> in time proportional to the nonzeros.
/// </summary>
public sealed class CsrWeight : IPersistentWeight
{
    /// <summary>The format name in the manifest.</summary>
    public const string FormatName = "sparse-csr";

    private readonly int[] _rowStart;   // [out + 1]
    private readonly ushort[] _columns; // [nnz]
    private readonly float[] _values;   // [nnz]

    private CsrWeight(int outF, int inF, int[] rowStart, ushort[] columns, float[] values)
    {
        OutFeatures = outF;
        InFeatures = inF;
        _rowStart = rowStart;
        _columns = columns;
        _values = values;
    }

    /// <summary>True when 16-bit column indices can address <paramref name="inFeatures"/> inputs.</summary>
    public static bool Supports(int inFeatures) => inFeatures <= ushort.MaxValue + 1;

    /// <summary>Packs the nonzeros of a dense [out, in] weight (exact zeros are dropped).</summary>
    public static CsrWeight FromDense(Tensor dense)
    {
        if (dense.Rank != 2) throw new ArgumentException($"A linear weight must be 2-D, got {dense}.");
        int outF = dense.Dim(0), inF = dense.Dim(1);
        if (!Supports(inF)) throw new ArgumentException($"CSR with 16-bit columns holds at most {ushort.MaxValue + 1} inputs, got {inF}.");
        var w = dense.ReadOnlySpan;
        var rowStart = new int[outF + 1]; // [out + 1]
        int nnz = 0;
        for (int o = 0; o < outF; o++)
        {
            foreach (float v in w.Slice(o * inF, inF)) if (v != 0f) nnz++;
            rowStart[o + 1] = nnz;
        }
        var columns = new ushort[nnz]; // [nnz]
        var values = new float[nnz];   // [nnz]
        int j = 0;
        for (int o = 0; o < outF; o++)
        {
            var row = w.Slice(o * inF, inF);
            for (int c = 0; c < inF; c++)
                if (row[c] != 0f) { columns[j] = (ushort)c; values[j++] = row[c]; }
        }
        return new CsrWeight(outF, inF, rowStart, columns, values);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public string Format => FormatName;

    /// <summary>Stored nonzeros.</summary>
    public int NonZeros => _values.Length;

    /// <summary>Fraction of zero weights.</summary>
    public double Sparsity => 1.0 - (double)NonZeros / ((long)OutFeatures * InFeatures);

    public long StorageBytes => StorageBytesOf(_rowStart.Length - 1, _values.Length);

    /// <summary>Bytes a weight of <paramref name="outFeatures"/> rows and <paramref name="nonZeros"/> kept values takes in this form: value and 16-bit column per non-zero, and the row starts.</summary>
    public static long StorageBytesOf(int outFeatures, long nonZeros) => nonZeros * (sizeof(float) + sizeof(ushort)) + (long)(outFeatures + 1) * sizeof(int);

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y)
        => SparseGemm.CsrMultiplyTransposed(x, rows, InFeatures, OutFeatures, _rowStart, _columns, _values, y);

    public Tensor ToDense()
    {
        var dense = Tensor.Zeros(OutFeatures, InFeatures); // [out, in]
        var d = dense.Span;
        for (int o = 0; o < OutFeatures; o++)
            for (int j = _rowStart[o]; j < _rowStart[o + 1]; j++) d[o * InFeatures + _columns[j]] = _values[j];
        return dense;
    }

    /// <summary>
    /// Writes prefix.values [nnz] F32, prefix.columns [nnz] I16 (the bits of the unsigned index) and prefix.row_counts
    /// [out] I32 (nonzeros per output; offsets are their running sum, which keeps every stored integer small).
    /// </summary>
    public IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix)
    {
        var counts = new int[OutFeatures]; // [out]
        for (int o = 0; o < OutFeatures; o++) counts[o] = _rowStart[o + 1] - _rowStart[o];
        writer.Add(prefix + ".values", _values, _values.Length);
        writer.Add(prefix + ".columns", SafeTensorDType.I16, [_columns.Length], MemoryMarshal.AsBytes(_columns.AsSpan()));
        writer.Add(prefix + ".row_counts", SafeTensorDType.I32, [OutFeatures], MemoryMarshal.AsBytes(counts.AsSpan()));
        return new Dictionary<string, string>
        {
            ["out_features"] = OutFeatures.ToString(CultureInfo.InvariantCulture),
            ["in_features"] = InFeatures.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Reads what <see cref="Save"/> wrote, checking every count against the shapes and naming the tensor at fault.</summary>
    public static IWeight Read(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata)
    {
        int outF = SparseMetadata.Int(file, prefix, metadata, "out_features"), inF = SparseMetadata.Int(file, prefix, metadata, "in_features");
        var values = SparseMetadata.Tensor(file, prefix + ".values");
        var rawColumns = SparseMetadata.Tensor(file, prefix + ".columns");
        var counts = SparseMetadata.Tensor(file, prefix + ".row_counts");
        if (counts.Length != outF) throw new CheckpointException(file.Describe(prefix + ".row_counts"), prefix + ".row_counts", $"has {counts.Length} entries, expected out_features = {outF}.");
        if (rawColumns.Length != values.Length) throw new CheckpointException(file.Describe(prefix + ".columns"), prefix + ".columns", $"has {rawColumns.Length} entries but .values has {values.Length}.");
        var rowStart = new int[outF + 1];
        for (int o = 0; o < outF; o++)
        {
            int c = (int)counts[o];
            if (c < 0 || c > inF) throw new CheckpointException(file.Describe(prefix + ".row_counts"), prefix + ".row_counts", $"row {o} lists {counts[o]} nonzeros, expected 0..{inF}.");
            rowStart[o + 1] = rowStart[o] + c;
        }
        if (rowStart[outF] != values.Length) throw new CheckpointException(file.Describe(prefix + ".row_counts"), prefix + ".row_counts", $"sums to {rowStart[outF]} nonzeros but .values has {values.Length}.");
        var columns = new ushort[rawColumns.Length];
        for (int j = 0; j < columns.Length; j++)
        {
            int c = (int)rawColumns[j] & 0xFFFF; // I16 read as signed: the low 16 bits are the unsigned column
            if (c >= inF) throw new CheckpointException(file.Describe(prefix + ".columns"), prefix + ".columns", $"entry {j} is column {c}, expected < in_features = {inF}.");
            columns[j] = (ushort)c;
        }
        return new CsrWeight(outF, inF, rowStart, columns, values);
    }
}
