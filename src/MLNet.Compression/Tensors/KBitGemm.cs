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
        if (bits == 4 && groupSize % Block4 == 0 && k % Block4 == 0 && Avx512F.IsSupported)
        {
            Gemv4(x, packed, n, k, groupSize, scales, zeros, xsum, y, threads);
            return;
        }
        fixed (float* px = x) fixed (byte* pq = packed) fixed (float* ps = scales) fixed (float* pz = zeros) fixed (float* py = y) fixed (float* pxs = xsum)
        {
            var job = new GemvJob(px, pq, k, bits, groupSize, groups, rowBytes, ps, pz, pxs, py);
            if (threads <= 1) job.Rows(0, n);
            else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => job.Rows((int)((long)n * t / threads), (int)((long)n * (t + 1) / threads)));
        }
    }

    /// <summary>Columns per block of the 4-bit GEMV: 16 bytes of codes.</summary>
    private const int Block4 = 32;

    /// <summary>
    /// The 4-bit GEMV. In the chunked layout at 4 bits, byte b of a row holds code 2b in its low nibble and code 2b + 1 in
    /// its high one, so 16 bytes zero-extended to 16 int32 lanes give, after a mask and a shift, the 32 codes of a block
    /// as its even and its odd columns. x is permuted once per call to match (each block's even columns, then its odd
    /// ones), so a block costs one widening load, two integer ops, two conversions and two FMAs — about a third of the
    /// instructions of unpacking 16 codes with variable shifts, as ggml's Q4 dot products also split nibbles.
    /// </summary>
    private static void Gemv4(ReadOnlySpan<float> x, ReadOnlySpan<byte> packed, int n, int k, int groupSize, ReadOnlySpan<float> scales,
        ReadOnlySpan<float> zeros, float[] xsum, Span<float> y, int threads)
    {
        var rent = System.Buffers.ArrayPool<float>.Shared.Rent(k);
        try
        {
            for (int b = 0; b < k; b += Block4)
                for (int i = 0; i < Block4 / 2; i++)
                {
                    rent[b + i] = x[b + 2 * i];                  // even columns of the block
                    rent[b + Block4 / 2 + i] = x[b + 2 * i + 1]; // odd columns
                }
            int groups = k / groupSize, rowBytes = RowBytes(k, 4);
            fixed (float* px = rent) fixed (byte* pq = packed) fixed (float* ps = scales) fixed (float* pz = zeros) fixed (float* py = y) fixed (float* pxs = xsum)
            {
                var job = new Gemv4Job(px, pq, groupSize, groups, rowBytes, ps, pz, pxs, py);
                if (threads <= 1) job.Rows(0, n);
                else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    t => job.Rows((int)((long)n * t / threads), (int)((long)n * (t + 1) / threads)));
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(rent); }
    }

    private readonly struct Gemv4Job(float* xp, byte* q, int groupSize, int groups, int rowBytes, float* scales, float* zeros, float* xsum, float* y)
    {
        public void Rows(int r0, int r1)
        {
            var low = Vector512.Create(0xF);
            int blocksPerGroup = groupSize / Block4;
            for (int r = r0; r < r1; r++)
            {
                byte* row = q + (long)r * rowBytes;
                float* s = scales + (long)r * groups, z = zeros + (long)r * groups;
                var total = Vector512<float>.Zero;
                float offset = 0f;
                float* xb = xp;
                byte* qb = row;
                for (int g = 0; g < groups; g++)
                {
                    // Two accumulators (even and odd columns) so consecutive FMAs do not wait on each other.
                    var accEven = Vector512<float>.Zero;
                    var accOdd = Vector512<float>.Zero;
                    for (int blk = 0; blk < blocksPerGroup; blk++, xb += Block4, qb += Block4 / 2)
                    {
                        var v = Avx512F.ConvertToVector512Int32(Vector128.Load(qb)); // [16] bytes → int32
                        var even = Vector512.ConvertToSingle(v & low);
                        var odd = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(v, 4));
                        accEven = Vector512.FusedMultiplyAdd(even, Vector512.Load(xb), accEven);
                        accOdd = Vector512.FusedMultiplyAdd(odd, Vector512.Load(xb + Block4 / 2), accOdd);
                    }
                    // Σ_g s_g·(Σ q·x) in a register; −Σ_g s_g·z_g·Σx in scalar, as the general kernel.
                    total = Vector512.FusedMultiplyAdd(accEven + accOdd, Vector512.Create(s[g]), total);
                    offset += s[g] * z[g] * xsum[g];
                }
                y[r] = Vector512.Sum(total) - offset;
            }
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
