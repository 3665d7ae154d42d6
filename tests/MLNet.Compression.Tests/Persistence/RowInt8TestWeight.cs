using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Tests.Persistence;

/// <summary>
/// A test-only compressed weight form (the real quantized and sparse forms live in Compression/): symmetric int8 per output
/// row, q = round(w / s) with s = max|w_row| / 127, stored as an I8 tensor "{prefix}.q" [out, in] and an F32 tensor
/// "{prefix}.scale" [out]. It multiplies with its dequantized matrix, so a save/load round trip must give identical logits
/// exactly when q and s come back unchanged.
/// </summary>
public sealed class RowInt8TestWeight : IPersistentWeight
{
    public const string FormatName = "test-int8-row";

    private readonly sbyte[] _q;   // [out, in]
    private readonly float[] _scale; // [out]
    private readonly Tensor _dense; // [out, in] q·s

    public RowInt8TestWeight(sbyte[] q, float[] scale, int outFeatures, int inFeatures)
    {
        _q = q;
        _scale = scale;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        _dense = Tensor.Zeros(outFeatures, inFeatures); // [out, in]
        for (int o = 0; o < outFeatures; o++)
            for (int i = 0; i < inFeatures; i++) _dense.Span[o * inFeatures + i] = q[o * inFeatures + i] * scale[o];
    }

    public static void Register() => WeightFormats.Register(FormatName, Read);

    public static RowInt8TestWeight Quantize(IWeight weight)
    {
        var w = weight.ToDense();
        int rows = w.Dim(0), cols = w.Dim(1);
        var q = new sbyte[rows * cols];
        var scale = new float[rows]; // [out]
        for (int o = 0; o < rows; o++)
        {
            var row = w.ReadOnlySpan.Slice(o * cols, cols);
            float max = 0;
            foreach (float v in row) max = Math.Max(max, Math.Abs(v));
            scale[o] = max == 0 ? 1 : max / 127f;
            for (int i = 0; i < cols; i++) q[o * cols + i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scale[o]), -127, 127);
        }
        return new RowInt8TestWeight(q, scale, rows, cols);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public string Format => FormatName;

    public long StorageBytes => _q.Length + _scale.Length * sizeof(float);

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y)
        => ComputeBackend.Current.Sgemm(false, true, rows, OutFeatures, InFeatures, 1f, x, InFeatures, _dense.ReadOnlySpan, InFeatures, 0f, y, OutFeatures);

    public Tensor ToDense() => _dense;

    public IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix)
    {
        writer.Add(prefix + ".q", _q, OutFeatures, InFeatures);
        writer.Add(prefix + ".scale", _scale, OutFeatures);
        return new Dictionary<string, string> { ["scheme"] = "symmetric-per-row" };
    }

    private static IWeight Read(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("scheme", out var scheme) || scheme != "symmetric-per-row")
            throw new ArgumentException($"metadata 'scheme' must be symmetric-per-row, got '{scheme}'.");
        var shape = file.Shape(prefix + ".q");
        var bytes = file.ReadBytes(prefix + ".q", SafeTensorDType.I8);
        var q = new sbyte[bytes.Length];
        Buffer.BlockCopy(bytes, 0, q, 0, bytes.Length);
        return new RowInt8TestWeight(q, file.ReadFloat32(prefix + ".scale"), shape[0], shape[1]);
    }
}
