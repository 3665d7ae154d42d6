using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// How the int32 accumulator of one output becomes float: y = (float(acc − zp·colsum[n]) + biasTerm[n]) · scale[n].
/// With biasTerm null this is fbgemm's and QNNPACK's float(acc)·(sx·sw); with it, oneDNN's pre-scaled bias.
/// </summary>
/// <param name="ZeroPoint">the activations' zero point</param>
/// <param name="ColumnSums">Σₖ w[n, k] per output, padded to whole panels</param>
/// <param name="Scales">the float multiplier per output, padded to whole panels</param>
/// <param name="BiasTerms">a term added before scaling (oneDNN), or null</param>
internal readonly record struct Int8Epilogue(int ZeroPoint, int[] ColumnSums, float[] Scales, float[]? BiasTerms);

/// <summary>Which int8 micro-kernel runs (tests force each one).</summary>
public enum Int8Kernel
{
    /// <summary>The best this CPU has.</summary>
    Auto,
    /// <summary>AVX-512BW: vpmaddubsw (u8·s8 pairs → s16) then vpmaddwd (→ s32), 16 outputs × 4 k per instruction pair.</summary>
    Avx512,
    /// <summary>AVX-VNNI: vpdpbusd (u8·s8 quads → s32 in one instruction, never saturating), 8 outputs × 4 k per instruction.</summary>
    AvxVnni,
    /// <summary>Plain loops; the reference the SIMD kernels must equal bit for bit (integer sums are exact).</summary>
    Scalar,
}

/// <summary>
/// u8 × s8 → s32 GEMM for dynamic int8 linear layers: Y[m, n] = epilogue(A[m, k] · B[n, k]ᵀ), A the activations quantized
/// per call (uint8), B the int8 weights packed once into 16-output panels ([panel][k/4][16][4], the layout vpdpbusd and
/// vpmaddubsw consume: four consecutive k of one output in one 32-bit lane).
/// </summary>
/// <remarks>
/// .NET 10 exposes no 512-bit VNNI intrinsic (no Avx512Vnni class). Where the CPU has the VEX form AVX-VNNI (Zen 4, Alder
/// Lake and later), the AvxVnni kernel runs vpdpbusd on 256-bit registers: one instruction per 32 multiply-adds, exact for
/// 7- and 8-bit activations alike (it sums in int32 without saturating). Elsewhere the AVX-512 kernel uses the pre-VNNI
/// pair vpmaddubsw + vpmaddwd, as fbgemm's AVX-512 path does. vpmaddubsw saturates a pair sum above 32767: with 7-bit
/// activations (reduce_range, fbgemm and oneDNN) 2·127·128 fits; with 8-bit activations (QNNPACK) each byte is split as
/// 2·(x≫1) + (x&amp;1) so every partial sum stays exact. Integer sums are exact, so every kernel gives the same bits.
/// </remarks>
public static unsafe class Int8Gemm
{
    /// <summary>Outputs per packed panel (one 512-bit register of int32).</summary>
    public const int PanelWidth = 16;

    private const int MR = 4; // rows per micro-tile
    private const int NP = 4; // panels per micro-tile (64 outputs)

    /// <summary>K rounded up to a whole group of four.</summary>
    public static int PaddedK(int k) => (k + 3) & ~3;

    /// <summary>Panels needed for <paramref name="n"/> outputs.</summary>
    public static int Panels(int n) => (n + PanelWidth - 1) / PanelWidth;

    /// <summary>The kernel <see cref="Int8Kernel.Auto"/> picks on this CPU.</summary>
    public static Int8Kernel Best => AvxVnni.IsSupported ? Int8Kernel.AvxVnni : Avx512BW.IsSupported ? Int8Kernel.Avx512 : Int8Kernel.Scalar;

    /// <summary>Packs W [n, k] (row-major int8) into panels; padding outputs and k are zero.</summary>
    public static sbyte[] Pack(ReadOnlySpan<sbyte> w, int n, int k)
    {
        if (w.Length < (long)n * k) throw new ArgumentException($"int8 weight has {w.Length} values, [{n}, {k}] needs {(long)n * k}.");
        int kp = PaddedK(k), panels = Panels(n);
        var packed = new sbyte[(long)panels * PanelWidth * kp]; // [panels, kp/4, 16, 4]
        for (int o = 0; o < n; o++)
        {
            int p = o / PanelWidth, lane = o % PanelWidth;
            long panelBase = (long)p * PanelWidth * kp;
            for (int kk = 0; kk < k; kk++)
                packed[panelBase + (kk >> 2) * (PanelWidth * 4) + lane * 4 + (kk & 3)] = w[o * k + kk];
        }
        return packed;
    }

    /// <summary>Σₖ W[o, k] per output, padded with zeros to whole panels (for the zero-point correction).</summary>
    public static int[] ColumnSums(ReadOnlySpan<sbyte> w, int n, int k)
    {
        var sums = new int[Panels(n) * PanelWidth]; // [panels·16]
        for (int o = 0; o < n; o++)
        {
            int s = 0;
            foreach (sbyte v in w.Slice(o * k, k)) s += v;
            sums[o] = s;
        }
        return sums;
    }

    /// <summary>
    /// Y[m, n] (row stride n) = epilogue(A · Bᵀ). A is [m, PaddedK(k)] uint8 (padding bytes any value: their weights are 0);
    /// <paramref name="eightBit"/> says activations may exceed 127.
    /// </summary>
    internal static void Multiply(ReadOnlySpan<byte> a, int m, int k, ReadOnlySpan<sbyte> packed, int n, in Int8Epilogue epilogue,
        Span<float> y, bool eightBit, Int8Kernel kernel = Int8Kernel.Auto, int maxThreads = 0)
    {
        int kp = PaddedK(k), panels = Panels(n);
        if (a.Length < (long)m * kp) throw new ArgumentException($"activations: {a.Length} bytes, [{m}, {kp}] needs {(long)m * kp}.");
        if (packed.Length < (long)panels * PanelWidth * kp) throw new ArgumentException("packed weights are shorter than their shape.");
        if (y.Length < (long)m * n) throw new ArgumentException($"output: {y.Length} floats, [{m}, {n}] needs {(long)m * n}.");
        if (epilogue.ColumnSums.Length < panels * PanelWidth || epilogue.Scales.Length < panels * PanelWidth
            || (epilogue.BiasTerms is not null && epilogue.BiasTerms.Length < panels * PanelWidth))
            throw new ArgumentException("epilogue vectors must cover every panel.");
        if (m == 0 || n == 0) return;
        if (kernel == Int8Kernel.Auto) kernel = Best;
        if (kernel == Int8Kernel.Avx512 && !Avx512BW.IsSupported) throw new PlatformNotSupportedException("AVX-512BW is not available on this CPU.");
        if (kernel == Int8Kernel.AvxVnni && !AvxVnni.IsSupported) throw new PlatformNotSupportedException("AVX-VNNI is not available on this CPU.");

        fixed (byte* pa = a)
        fixed (sbyte* pb = packed)
        fixed (float* py = y)
        fixed (int* sums = epilogue.ColumnSums)
        fixed (float* scales = epilogue.Scales)
        fixed (float* bias = epilogue.BiasTerms)
        {
            var job = new Job(pa, m, kp, pb, n, panels, py, epilogue.ZeroPoint, sums, scales, bias, eightBit, kernel);
            int groups = (panels + NP - 1) / NP;
            int threads = maxThreads > 0 ? maxThreads : Gemm.MaxThreads;
            if ((long)m * n * k < Gemm.ParallelThreshold) threads = 1;
            threads = Math.Min(threads, groups);
            if (threads <= 1) job.Run(0, groups);
            else
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                    t => job.Run((int)((long)groups * t / threads), (int)((long)groups * (t + 1) / threads)));
        }
    }

    private readonly struct Job(byte* a, int m, int kp, sbyte* b, int n, int panels, float* y, int zp, int* sums, float* scales, float* bias,
        bool eightBit, Int8Kernel kernel)
    {
        /// <summary>Panel groups [g0, g1), every row.</summary>
        public void Run(int g0, int g1)
        {
            int* acc = stackalloc int[MR * NP * PanelWidth]; // [MR, NP·16]
            for (int g = g0; g < g1; g++)
            {
                int p0 = g * NP, np = Math.Min(NP, panels - p0);
                for (int r0 = 0; r0 < m; r0 += MR)
                {
                    int mr = Math.Min(MR, m - r0);
                    if (kernel == Int8Kernel.Scalar) ScalarTile(r0, mr, p0, np, acc);
                    else if (kernel == Int8Kernel.AvxVnni)
                    {
                        // 2 rows × 2 panels at a time: 8 accumulators, 4 weight loads and 2 broadcasts per four k, within
                        // the 16 registers the VEX encoding reaches.
                        for (int r = 0; r < mr; r += 2)
                            for (int p = 0; p < np; p += 2)
                                VnniTile2x2(a + (long)(r0 + r) * kp, kp, Math.Min(2, mr - r), b + (long)(p0 + p) * PanelWidth * kp, Math.Min(2, np - p),
                                            acc + (r * NP + p) * PanelWidth);
                    }
                    else if (mr == MR && np == NP)
                    {
                        if (eightBit) Avx512Tile4x4<EightBit>(a + (long)r0 * kp, kp, b + (long)p0 * PanelWidth * kp, acc);
                        else Avx512Tile4x4<SevenBit>(a + (long)r0 * kp, kp, b + (long)p0 * PanelWidth * kp, acc);
                    }
                    else
                    {
                        for (int r = 0; r < mr; r++)
                            for (int p = 0; p < np; p++)
                            {
                                var v = eightBit
                                    ? Avx512Dot<EightBit>(a + (long)(r0 + r) * kp, kp, b + (long)(p0 + p) * PanelWidth * kp)
                                    : Avx512Dot<SevenBit>(a + (long)(r0 + r) * kp, kp, b + (long)(p0 + p) * PanelWidth * kp);
                                v.Store(acc + (r * NP + p) * PanelWidth);
                            }
                    }
                    Epilogue(acc, r0, mr, p0, np);
                }
            }
        }

        private void ScalarTile(int r0, int mr, int p0, int np, int* acc)
        {
            for (int r = 0; r < mr; r++)
                for (int p = 0; p < np; p++)
                    for (int lane = 0; lane < PanelWidth; lane++)
                    {
                        int s = 0;
                        byte* ar = a + (long)(r0 + r) * kp;
                        sbyte* bp = b + (long)(p0 + p) * PanelWidth * kp + lane * 4;
                        for (int q = 0; q < kp / 4; q++)
                            for (int t = 0; t < 4; t++) s += ar[q * 4 + t] * bp[q * PanelWidth * 4 + t];
                        acc[(r * NP + p) * PanelWidth + lane] = s;
                    }
        }

        /// <summary>y = (float(acc − zp·colsum) + biasTerm) · scale, 16 outputs at a time; a ragged last panel is stored lane by lane.</summary>
        private void Epilogue(int* acc, int r0, int mr, int p0, int np)
        {
            for (int r = 0; r < mr; r++)
                for (int p = 0; p < np; p++)
                {
                    int col = (p0 + p) * PanelWidth;
                    int* src = acc + (r * NP + p) * PanelWidth;
                    float* dst = y + (long)(r0 + r) * n + col;
                    int width = Math.Min(PanelWidth, n - col);
                    if (width == PanelWidth && Vector512.IsHardwareAccelerated)
                    {
                        var v = Vector512.ConvertToSingle(Vector512.Load(src) - Vector512.Create(zp) * Vector512.Load(sums + col));
                        if (bias is not null) v += Vector512.Load(bias + col);
                        (v * Vector512.Load(scales + col)).Store(dst);
                        continue;
                    }
                    for (int lane = 0; lane < width; lane++)
                    {
                        float v = src[lane] - zp * sums[col + lane];
                        if (bias is not null) v += bias[col + lane];
                        dst[lane] = v * scales[col + lane];
                    }
                }
        }
    }

    private interface IDot
    {
        static abstract Vector512<int> Dot(Vector512<int> acc, Vector512<byte> a, Vector512<sbyte> b);
    }

    /// <summary>Activations ≤ 127: one vpmaddubsw cannot saturate (2·127·128 &lt; 32768).</summary>
    private struct SevenBit : IDot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Dot(Vector512<int> acc, Vector512<byte> a, Vector512<sbyte> b)
            => Avx512BW.Add(acc, Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(a, b), Vector512.Create((short)1)));
    }

    /// <summary>Activations up to 255: x = 2·(x≫1) + (x&amp;1), each half within vpmaddubsw's exact range.</summary>
    private struct EightBit : IDot
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Dot(Vector512<int> acc, Vector512<byte> a, Vector512<sbyte> b)
        {
            var hi = Avx512BW.ShiftRightLogical(a.AsUInt16(), 1).AsByte() & Vector512.Create((byte)0x7F);
            var lo = a & Vector512.Create((byte)1);
            var sHi = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(hi, b), Vector512.Create((short)2));
            var sLo = Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(lo, b), Vector512.Create((short)1));
            return Avx512BW.Add(acc, Avx512BW.Add(sHi, sLo));
        }
    }

    /// <summary>One row × one panel: 16 int32 dot products over kp.</summary>
    private static Vector512<int> Avx512Dot<T>(byte* a, int kp, sbyte* b) where T : struct, IDot
    {
        var acc = Vector512<int>.Zero;
        for (int q = 0; q < kp; q += 4, b += PanelWidth * 4)
            acc = T.Dot(acc, Vector512.Create(*(int*)(a + q)).AsByte(), Vector512.Load(b));
        return acc;
    }

    /// <summary>4 rows × 4 panels (64 outputs): 16 accumulators, 4 weight loads and 4 broadcasts per group of four k.</summary>
    private static void Avx512Tile4x4<T>(byte* a, int kp, sbyte* b, int* acc) where T : struct, IDot
    {
        Vector512<int> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<int> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<int> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<int> c30 = default, c31 = default, c32 = default, c33 = default;
        long panel = (long)PanelWidth * kp;
        sbyte* b0 = b, b1 = b + panel, b2 = b + 2 * panel, b3 = b + 3 * panel;
        byte* a0 = a, a1 = a + kp, a2 = a + 2 * kp, a3 = a + 3 * kp;
        for (int q = 0; q < kp; q += 4)
        {
            long off = (long)q * PanelWidth;
            var w0 = Vector512.Load(b0 + off);
            var w1 = Vector512.Load(b1 + off);
            var w2 = Vector512.Load(b2 + off);
            var w3 = Vector512.Load(b3 + off);
            var x = Vector512.Create(*(int*)(a0 + q)).AsByte();
            c00 = T.Dot(c00, x, w0); c01 = T.Dot(c01, x, w1); c02 = T.Dot(c02, x, w2); c03 = T.Dot(c03, x, w3);
            x = Vector512.Create(*(int*)(a1 + q)).AsByte();
            c10 = T.Dot(c10, x, w0); c11 = T.Dot(c11, x, w1); c12 = T.Dot(c12, x, w2); c13 = T.Dot(c13, x, w3);
            x = Vector512.Create(*(int*)(a2 + q)).AsByte();
            c20 = T.Dot(c20, x, w0); c21 = T.Dot(c21, x, w1); c22 = T.Dot(c22, x, w2); c23 = T.Dot(c23, x, w3);
            x = Vector512.Create(*(int*)(a3 + q)).AsByte();
            c30 = T.Dot(c30, x, w0); c31 = T.Dot(c31, x, w1); c32 = T.Dot(c32, x, w2); c33 = T.Dot(c33, x, w3);
        }
        const int W = PanelWidth;
        c00.Store(acc); c01.Store(acc + W); c02.Store(acc + 2 * W); c03.Store(acc + 3 * W);
        c10.Store(acc + 4 * W); c11.Store(acc + 5 * W); c12.Store(acc + 6 * W); c13.Store(acc + 7 * W);
        c20.Store(acc + 8 * W); c21.Store(acc + 9 * W); c22.Store(acc + 10 * W); c23.Store(acc + 11 * W);
        c30.Store(acc + 12 * W); c31.Store(acc + 13 * W); c32.Store(acc + 14 * W); c33.Store(acc + 15 * W);
    }

    /// <summary>
    /// Up to 2 rows × 2 panels with vpdpbusd on 256-bit halves of each panel; writes acc[r, p, 16] at row stride NP·16.
    /// A missing second row or panel reuses the first one's pointer and is not stored.
    /// </summary>
    private static void VnniTile2x2(byte* a, int kp, int rows, sbyte* b, int panels, int* acc)
    {
        Vector256<int> c00l = default, c00h = default, c01l = default, c01h = default;
        Vector256<int> c10l = default, c10h = default, c11l = default, c11h = default;
        long panel = (long)PanelWidth * kp;
        sbyte* b0 = b, b1 = panels > 1 ? b + panel : b;
        byte* a0 = a, a1 = rows > 1 ? a + kp : a;
        for (int q = 0; q < kp; q += 4)
        {
            long off = (long)q * PanelWidth;
            var w0l = Vector256.Load(b0 + off);
            var w0h = Vector256.Load(b0 + off + 32);
            var w1l = Vector256.Load(b1 + off);
            var w1h = Vector256.Load(b1 + off + 32);
            var x = Vector256.Create(*(int*)(a0 + q)).AsByte();
            c00l = AvxVnni.MultiplyWideningAndAdd(c00l, x, w0l);
            c00h = AvxVnni.MultiplyWideningAndAdd(c00h, x, w0h);
            c01l = AvxVnni.MultiplyWideningAndAdd(c01l, x, w1l);
            c01h = AvxVnni.MultiplyWideningAndAdd(c01h, x, w1h);
            x = Vector256.Create(*(int*)(a1 + q)).AsByte();
            c10l = AvxVnni.MultiplyWideningAndAdd(c10l, x, w0l);
            c10h = AvxVnni.MultiplyWideningAndAdd(c10h, x, w0h);
            c11l = AvxVnni.MultiplyWideningAndAdd(c11l, x, w1l);
            c11h = AvxVnni.MultiplyWideningAndAdd(c11h, x, w1h);
        }
        const int W = PanelWidth, Row = NP * PanelWidth;
        c00l.Store(acc); c00h.Store(acc + 8);
        if (panels > 1) { c01l.Store(acc + W); c01h.Store(acc + W + 8); }
        if (rows > 1)
        {
            c10l.Store(acc + Row); c10h.Store(acc + Row + 8);
            if (panels > 1) { c11l.Store(acc + Row + W); c11h.Store(acc + Row + W + 8); }
        }
    }
}
