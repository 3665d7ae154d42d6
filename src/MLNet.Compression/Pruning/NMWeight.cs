using System.Globalization;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// A semi-structured N:M sparse weight (2:4, 4:8): of every M consecutive inputs of an output row exactly N are stored,
/// as float32 values [out, in/M·N] with their position inside the group [out, in/M·N] (one byte each), the layout of
/// NVIDIA's 2:4 sparse tensor cores (values plus small per-value metadata) with byte-wide metadata. 2:4 takes
/// 2.5 of dense float32's 4 bytes per weight. Multiplies with <see cref="SparseGemm.NMMultiplyTransposed"/>.
/// </summary>
public sealed class NMWeight : IPersistentWeight
{
    /// <summary>The format name in the manifest.</summary>
    public const string FormatName = "sparse-nm";

    private readonly float[] _values;   // [out, in/M·N]
    private readonly byte[] _positions; // [out, in/M·N]

    private NMWeight(int outF, int inF, int n, int m, float[] values, byte[] positions)
    {
        OutFeatures = outF;
        InFeatures = inF;
        N = n;
        M = m;
        _values = values;
        _positions = positions;
    }

    /// <summary>Packs a dense [out, in] weight whose every group of M inputs has at most N nonzeros.</summary>
    /// <exception cref="ArgumentException">a group holds more than N nonzeros, or M does not divide the inputs.</exception>
    public static NMWeight FromDense(Tensor dense, int n, int m)
    {
        if (dense.Rank != 2) throw new ArgumentException($"A linear weight must be 2-D, got {dense}.");
        if (n <= 0 || m < n || m > 255) throw new ArgumentException($"{n}:{m} is not a valid N:M pattern (0 < N <= M <= 255).");
        int outF = dense.Dim(0), inF = dense.Dim(1);
        if (inF % m != 0) throw new ArgumentException($"{n}:{m} sparsity needs the input width {inF} to be a multiple of {m}.");
        int groups = inF / m, perRow = groups * n;
        var values = new float[outF * perRow];   // [out, in/M·N]
        var positions = new byte[outF * perRow]; // [out, in/M·N]
        var w = dense.ReadOnlySpan;
        for (int o = 0; o < outF; o++)
            for (int g = 0; g < groups; g++)
            {
                int baseIn = o * inF + g * m, baseOut = o * perRow + g * n, k = 0;
                for (int p = 0; p < m; p++)
                {
                    if (w[baseIn + p] == 0f) continue;
                    if (k == n) throw new ArgumentException($"row {o}, inputs {g * m}..{g * m + m - 1} hold more than {n} nonzeros: not {n}:{m} sparse.");
                    values[baseOut + k] = w[baseIn + p];
                    positions[baseOut + k++] = (byte)p;
                }
                // A group with fewer than N nonzeros stores explicit zeros at unused positions so every group has N entries.
                for (int p = 0; k < n; p++)
                {
                    bool used = false;
                    for (int q = 0; q < k; q++) used |= positions[baseOut + q] == p;
                    if (!used) { values[baseOut + k] = 0f; positions[baseOut + k++] = (byte)p; }
                }
            }
        return new NMWeight(outF, inF, n, m, values, positions);
    }

    /// <summary>Nonzeros kept per group.</summary>
    public int N { get; }

    /// <summary>Group width.</summary>
    public int M { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public string Format => FormatName;

    public long StorageBytes => (long)_values.Length * (sizeof(float) + sizeof(byte));

    /// <summary>Bytes an [out, in] weight takes in this form with pattern N:M: each kept value and its one-byte position.</summary>
    public static long StorageBytesOf(int outFeatures, int inFeatures, int n, int m) => (long)outFeatures * (inFeatures / m * n) * (sizeof(float) + sizeof(byte));

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y)
        => SparseGemm.NMMultiplyTransposed(x, rows, InFeatures, OutFeatures, N, M, _positions, _values, y);

    public Tensor ToDense()
    {
        var dense = Tensor.Zeros(OutFeatures, InFeatures); // [out, in]
        var d = dense.Span;
        int perRow = InFeatures / M * N;
        for (int o = 0; o < OutFeatures; o++)
            for (int j = 0; j < perRow; j++)
                d[o * InFeatures + j / N * M + _positions[o * perRow + j]] = _values[o * perRow + j];
        return dense;
    }

    /// <summary>Writes prefix.values [out, in/M·N] F32 and prefix.positions [out, in/M·N] U8.</summary>
    public IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix)
    {
        int perRow = InFeatures / M * N;
        writer.Add(prefix + ".values", _values, OutFeatures, perRow);
        writer.Add(prefix + ".positions", _positions, OutFeatures, perRow);
        return new Dictionary<string, string>
        {
            ["out_features"] = OutFeatures.ToString(CultureInfo.InvariantCulture),
            ["in_features"] = InFeatures.ToString(CultureInfo.InvariantCulture),
            ["n"] = N.ToString(CultureInfo.InvariantCulture),
            ["m"] = M.ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Reads what <see cref="Save"/> wrote, naming the tensor or field at fault.</summary>
    public static IWeight Read(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata)
    {
        int outF = SparseMetadata.Int(file, prefix, metadata, "out_features"), inF = SparseMetadata.Int(file, prefix, metadata, "in_features");
        int n = SparseMetadata.Int(file, prefix, metadata, "n"), m = SparseMetadata.Int(file, prefix, metadata, "m");
        if (m < n || m > 255 || inF % m != 0) throw new CheckpointException(file.Location, prefix, $"the manifest says {n}:{m} over {inF} inputs, which is not a valid N:M layout.");
        int perRow = inF / m * n;
        var values = SparseMetadata.Tensor(file, prefix + ".values");
        var raw = SparseMetadata.Tensor(file, prefix + ".positions");
        if (values.Length != (long)outF * perRow) throw new CheckpointException(file.Describe(prefix + ".values"), prefix + ".values", $"has {values.Length} entries, expected {outF}x{perRow}.");
        if (raw.Length != values.Length) throw new CheckpointException(file.Describe(prefix + ".positions"), prefix + ".positions", $"has {raw.Length} entries, expected {values.Length}.");
        var positions = new byte[raw.Length];
        for (int j = 0; j < raw.Length; j++)
        {
            if (raw[j] < 0 || raw[j] >= m) throw new CheckpointException(file.Describe(prefix + ".positions"), prefix + ".positions", $"entry {j} is {raw[j]}, expected a position 0..{m - 1}.");
            positions[j] = (byte)raw[j];
        }
        return new NMWeight(outF, inF, n, m, values, positions);
    }
}
