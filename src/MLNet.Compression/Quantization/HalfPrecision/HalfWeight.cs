using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>
/// A linear weight stored in 16 bits (half the memory of float32) and widened to float32 in registers as it is multiplied:
/// seed study 2's fp16 setting, and bf16. Rounding from float32 is to nearest even, as torch's .half() and .bfloat16().
/// </summary>
public sealed unsafe class HalfWeight : IPersistentWeight
{
    private readonly ushort[] _bits; // [out, in] raw 16-bit patterns

    public HalfWeight(Tensor weight, HalfKind kind)
    {
        if (weight.Rank != 2) throw new ArgumentException($"a linear weight must be 2-D, got {weight}.");
        Kind = kind;
        OutFeatures = weight.Dim(0);
        InFeatures = weight.Dim(1);
        _bits = new ushort[weight.Length];
        var w = weight.ReadOnlySpan;
        for (int i = 0; i < w.Length; i++) _bits[i] = kind == HalfKind.Float16 ? BitConverter.HalfToUInt16Bits((Half)w[i]) : ToBFloat16(w[i]);
    }

    public HalfKind Kind { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public string Format => Kind == HalfKind.Float16 ? "f16" : "bf16";

    public long StorageBytes => (long)_bits.Length * sizeof(ushort);

    /// <summary>Bytes an [out, in] weight takes in this form: two per value.</summary>
    public static long StorageBytesOf(int outFeatures, int inFeatures) => (long)outFeatures * inFeatures * sizeof(ushort);

    /// <summary>float32 → bfloat16, round to nearest even; NaN stays a quiet NaN (c10/util/BFloat16.h round_to_nearest_even).</summary>
    public static ushort ToBFloat16(float f)
    {
        if (float.IsNaN(f)) return 0x7FC0;
        uint u = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }

    public static float FromBits(ushort bits, HalfKind kind)
        => kind == HalfKind.Float16 ? (float)BitConverter.UInt16BitsToHalf(bits) : BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>
    /// 16 patterns widened to float32 in registers. binary16: the exponent and mantissa shifted into place and multiplied by
    /// 2^112 (which also normalises subnormals exactly), infinities and NaNs given float32's all-ones exponent, then the sign.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Widen(Vector256<ushort> h, HalfKind kind)
    {
        var u = Avx512F.ConvertToVector512UInt32(h);
        if (kind == HalfKind.BFloat16) return (u << 16).AsSingle();
        var em = (u & Vector512.Create(0x7FFFu)) << 13;
        var finite = (em.AsSingle() * Vector512.Create(5.192296858534828e33f)).AsUInt32(); // 2^112
        var infNan = Vector512.Equals(u & Vector512.Create(0x7C00u), Vector512.Create(0x7C00u));
        var magnitude = Vector512.ConditionalSelect(infNan, em | Vector512.Create(0x7F800000u), finite);
        return (magnitude | ((u & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Rows [r0, r1) widened into dst [r1 − r0, in].</summary>
    internal void Widen(int r0, int r1, Span<float> dst)
    {
        int n = (r1 - r0) * InFeatures, i = 0;
        var src = _bits.AsSpan(r0 * InFeatures, n);
        if (Avx512F.IsSupported)
            fixed (ushort* ps = src) fixed (float* pd = dst)
                for (; i + 16 <= n; i += 16) Widen(Vector256.Load(ps + i), Kind).Store(pd + i);
        for (; i < n; i++) dst[i] = FromBits(src[i], Kind);
    }

    public Tensor ToDense()
    {
        var d = new float[_bits.Length]; // [out, in]
        Widen(0, OutFeatures, d);
        return new Tensor(d, OutFeatures, InFeatures);
    }

    public void MultiplyTransposed(ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        if (x.Length < (long)rows * InFeatures || y.Length < (long)rows * OutFeatures) throw new ArgumentException("half multiply: operand shorter than its shape.");
        if (rows >= KBitWeight.GemvRows || !Avx512F.IsSupported)
        {
            DequantizedTiles.Multiply(x, rows, y, OutFeatures, InFeatures, Widen);
            return;
        }
        for (int r = 0; r < rows; r++) Gemv(x.Slice(r * InFeatures, InFeatures), y.Slice(r * OutFeatures, OutFeatures));
    }

    /// <summary>y[out] = W·x for one row, widening 16 weights per step in registers; rows split over threads.</summary>
    private void Gemv(ReadOnlySpan<float> x, Span<float> y)
    {
        int threads = (long)OutFeatures * InFeatures < 1 << 18 ? 1 : Gemm.MaxThreads;
        int inF = InFeatures, outF = OutFeatures;
        var kind = Kind;
        fixed (float* px = x) fixed (float* py = y) fixed (ushort* pw = _bits)
        {
            float* xp = px, yp = py;
            ushort* wp = pw;
            void Rows(int r0, int r1)
            {
                for (int r = r0; r < r1; r++)
                {
                    ushort* row = wp + (long)r * inF;
                    var acc = Vector512<float>.Zero;
                    int c = 0;
                    for (; c + 16 <= inF; c += 16) acc = Vector512.FusedMultiplyAdd(Widen(Vector256.Load(row + c), kind), Vector512.Load(xp + c), acc);
                    float s = Vector512.Sum(acc);
                    for (; c < inF; c++) s += FromBits(row[c], kind) * xp[c];
                    yp[r] = s;
                }
            }
            if (threads <= 1) Rows(0, outF);
            else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => Rows((int)((long)outF * t / threads), (int)((long)outF * (t + 1) / threads)));
        }
    }

    public IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix)
    {
        writer.Add(prefix, Kind == HalfKind.Float16 ? SafeTensorDType.F16 : SafeTensorDType.BF16, [OutFeatures, InFeatures], MemoryMarshal.AsBytes(_bits.AsSpan()));
        return new Dictionary<string, string>();
    }

    /// <summary>Reads a 16-bit weight back; values are exact because every one of them is a 16-bit float.</summary>
    public static WeightReader Reader(HalfKind kind) => (file, prefix, _) =>
    {
        var w = WeightFileChecks.Require(file, prefix, 2);
        var weight = new HalfWeight(new Tensor(w.Data, w.Shape), kind);
        for (int i = 0; i < w.Data.Length; i++)
            if (BitConverter.SingleToUInt32Bits(FromBits(weight._bits[i], kind)) != BitConverter.SingleToUInt32Bits(w.Data[i]) && !float.IsNaN(w.Data[i]))
                throw new CheckpointException(file.Describe(prefix), prefix, $"value {w.Data[i]} at {i} is not a {kind} number; was the tensor stored as {kind}?");
        return weight;
    };
}
