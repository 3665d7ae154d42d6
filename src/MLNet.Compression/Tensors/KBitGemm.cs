using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// Weight-only k-bit GEMM (k = 2..8): W [n, k] stored as unsigned codes with a scale and zero point per (row, group),
/// w = (q − z)·s. Each row is a run of 16-column chunks of 2·bits bytes, code j of a chunk at bit j·bits (little-endian), so
/// one 64-bit load (bits ≤ 4) or one 16-byte load (bits = 8) yields 16 codes that two variable shifts spread over a register.
/// Batch 1 (decoding) reads the codes once and dequantizes in registers; larger batches dequantize a tile of rows into an
/// L2-sized float buffer and run the float GEMM on it.
/// </summary>
public static unsafe class KBitGemm
{
    /// <summary>Columns per chunk.</summary>
    public const int Chunk = 16;

    /// <summary>Bytes of one row of codes: ⌈k/16⌉ chunks of 2·bits bytes.</summary>
    public static int RowBytes(int k, int bits) => (k + Chunk - 1) / Chunk * 2 * bits;

    /// <summary>Slack after the last row so a 64-bit load of the last chunk stays inside the array.</summary>
    public const int Slack = 8;

    /// <summary>Packs codes [n, k] (each &lt; 2^bits) into the chunked layout.</summary>
    public static byte[] Pack(ReadOnlySpan<byte> codes, int n, int k, int bits)
    {
        if (bits < 2 || bits > 8) throw new ArgumentOutOfRangeException(nameof(bits), $"bits must be 2..8, got {bits}.");
        int rowBytes = RowBytes(k, bits);
        var packed = new byte[(long)n * rowBytes + Slack]; // [n, rowBytes] + slack
        for (int o = 0; o < n; o++)
            for (int c = 0; c < k; c++)
            {
                int code = codes[o * k + c];
                if (code >> bits != 0) throw new ArgumentException($"code {code} at [{o}, {c}] does not fit {bits} bits.");
                long bit = (long)o * rowBytes * 8 + (c / Chunk) * 2 * bits * 8 + (c % Chunk) * bits;
                for (int b = 0; b < bits; b++, bit++)
                    if ((code >> b & 1) != 0) packed[bit >> 3] |= (byte)(1 << (int)(bit & 7));
            }
        return packed;
    }

    /// <summary>The code at [row, col].</summary>
    public static int Code(ReadOnlySpan<byte> packed, int rowBytes, int bits, int row, int col)
    {
        long bit = (long)row * rowBytes * 8 + (col / Chunk) * 2 * bits * 8 + (col % Chunk) * bits;
        int v = 0;
        for (int b = 0; b < bits; b++, bit++) v |= (packed[(int)(bit >> 3)] >> (int)(bit & 7) & 1) << b;
        return v;
    }

    /// <summary>16 codes of one chunk as floats, in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Codes16(byte* chunk, int bits, Vector512<ulong> shiftLo, Vector512<ulong> shiftHi, Vector512<uint> mask)
    {
        if (bits == 8) return Vector512.ConvertToSingle(Avx512F.ConvertToVector512Int32(Vector128.Load(chunk)));
        var v = Vector512.Create(*(ulong*)chunk);
        var lo = Avx512F.ConvertToVector256UInt32(Avx512F.ShiftRightLogicalVariable(v, shiftLo));
        var hi = Avx512F.ConvertToVector256UInt32(Avx512F.ShiftRightLogicalVariable(v, shiftHi));
        return Vector512.ConvertToSingle((Vector512.Create(lo, hi) & mask).AsInt32());
    }

    private static (Vector512<ulong> Lo, Vector512<ulong> Hi) Shifts(int bits)
    {
        var lo = new ulong[8];
        var hi = new ulong[8];
        for (int j = 0; j < 8; j++) { lo[j] = (ulong)(j * bits); hi[j] = (ulong)((j + 8) * bits); }
        return (Vector512.Create(lo), Vector512.Create(hi));
    }

    /// <summary>
    /// y[n] = Σ_k (q[n,k] − z)·s · x[k] for one input row, computed per group as s·(Σ q·x − z·Σ x) with the code sums in registers.
    /// </summary>
    /// <param name="scales">[n, groups]</param>
    /// <param name="zeros">[n, groups] as floats</param>
    public static void Gemv(ReadOnlySpan<float> x, ReadOnlySpan<byte> packed, int n, int k, int bits, int groupSize,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> zeros, Span<float> y, int maxThreads = 0)
    {
        int groups = (k + groupSize - 1) / groupSize, rowBytes = RowBytes(k, bits);
        if (x.Length < k || y.Length < n || scales.Length < n * groups || zeros.Length < n * groups || packed.Length < (long)n * rowBytes + Slack)
            throw new ArgumentException("k-bit GEMV: an operand is shorter than its shape.");
        var xsum = new float[groups]; // [groups]
        for (int g = 0; g < groups; g++) xsum[g] = System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice(g * groupSize, Math.Min(groupSize, k - g * groupSize)));
        int threads = maxThreads > 0 ? maxThreads : Gemm.MaxThreads;
        if ((long)n * k < 1 << 18) threads = 1;
        fixed (float* px = x) fixed (byte* pq = packed) fixed (float* ps = scales) fixed (float* pz = zeros) fixed (float* py = y) fixed (float* pxs = xsum)
        {
            var job = new GemvJob(px, pq, k, bits, groupSize, groups, rowBytes, ps, pz, pxs, py);
            if (threads <= 1) job.Rows(0, n);
            else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => job.Rows((int)((long)n * t / threads), (int)((long)n * (t + 1) / threads)));
        }
    }

    private readonly struct GemvJob(float* x, byte* q, int k, int bits, int groupSize, int groups, int rowBytes,
        float* scales, float* zeros, float* xsum, float* y)
    {
        public void Rows(int r0, int r1)
        {
            bool simd = Avx512F.IsSupported;
            var (shLo, shHi) = simd ? Shifts(bits) : default;
            var mask = Vector512.Create((uint)((1 << bits) - 1));
            int fullChunks = k / Chunk;
            for (int r = r0; r < r1; r++)
            {
                byte* row = q + (long)r * rowBytes;
                float total = 0f;
                // Σ_g s_g·(Σ q·x) kept in a register across groups (no horizontal sum per group); −Σ_g s_g·z_g·Σx in scalar.
                var accAll = Vector512<float>.Zero;
                for (int g = 0; g < groups; g++)
                {
                    int c0 = g * groupSize, c1 = Math.Min(k, c0 + groupSize);
                    float s = scales[(long)r * groups + g], z = zeros[(long)r * groups + g];
                    float dot = 0f;
                    int c = c0;
                    if (simd)
                    {
                        var acc = Vector512<float>.Zero;
                        for (; c + Chunk <= c1 && c / Chunk < fullChunks; c += Chunk)
                            acc = Vector512.FusedMultiplyAdd(Codes16(row + c / Chunk * 2 * bits, bits, shLo, shHi, mask), Vector512.Load(x + c), acc);
                        accAll = Vector512.FusedMultiplyAdd(acc, Vector512.Create(s), accAll);
                    }
                    for (; c < c1; c++) dot += Code(new ReadOnlySpan<byte>(row, rowBytes + Slack), 0, bits, 0, c) * x[c];
                    total += s * (dot - z * xsum[g]);
                }
                y[r] = total + Vector512.Sum(accAll);
            }
        }
    }

    /// <summary>Rows [r0, r1) dequantized into dst [r1 − r0, k]: exactly (float)(q − z)·s, the dense equivalent.</summary>
    public static void Dequantize(ReadOnlySpan<byte> packed, int k, int bits, int groupSize, ReadOnlySpan<float> scales, ReadOnlySpan<float> zeros,
        int r0, int r1, Span<float> dst)
    {
        int groups = (k + groupSize - 1) / groupSize, rowBytes = RowBytes(k, bits);
        bool simd = Avx512F.IsSupported;
        var (shLo, shHi) = simd ? Shifts(bits) : default;
        var mask = Vector512.Create((uint)((1 << bits) - 1));
        fixed (byte* pq = packed) fixed (float* pd = dst)
            for (int r = r0; r < r1; r++)
            {
                byte* row = pq + (long)r * rowBytes;
                float* d = pd + (long)(r - r0) * k;
                int c = 0;
                if (simd)
                    for (; c + Chunk <= k; c += Chunk)
                    {
                        int g = c / groupSize;
                        var s = Vector512.Create(scales[r * groups + g]);
                        var z = Vector512.Create(zeros[r * groups + g]);
                        ((Codes16(row + c / Chunk * 2 * bits, bits, shLo, shHi, mask) - z) * s).Store(d + c);
                    }
                for (; c < k; c++)
                {
                    int g = c / groupSize;
                    d[c] = (Code(packed, rowBytes, bits, r, c) - zeros[r * groups + g]) * scales[r * groups + g];
                }
            }
    }
}
