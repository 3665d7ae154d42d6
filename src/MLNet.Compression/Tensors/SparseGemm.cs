using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNet.Compression.Tensors;

/// <summary>
/// y[rows, out] = x[rows, in] · Wᵀ for a weight W [out, in] held in compressed sparse row form (row o = output o):
/// values[nnz], 16-bit column indices[nnz], rowStart[out + 1].
/// </summary>
/// <remarks>
/// Two kernels, chosen by the number of token rows:
/// <list type="bullet">
/// <item>Few rows (generation, batch 1): one sparse dot product per (row, output), gathering x at the stored columns
/// eight at a time (AVX2 gather), so only the nonzeros of W are read — the dense kernel is bound by reading all of W.</item>
/// <item>Many rows: a tile of <see cref="Tile"/> tokens is transposed into xᵀ [in, Tile] (kept in L2), and each output
/// row accumulates value · xᵀ[col, :] into Tile/8 AVX registers: nnz·Tile multiply-adds, vectorised along tokens,
/// with contiguous loads only. This is the "row-wise SpMM with a dense right-hand side" of sparse BLAS libraries
/// (e.g. the CSR × dense kernel of MKL's mkl_sparse_s_mm), laid out for y = x·Wᵀ.</item>
/// </list>
/// Work is split over tiles × output ranges on up to <see cref="Gemm.MaxThreads"/> threads.
/// </remarks>
public static class SparseGemm
{
    /// <summary>Tokens per tile of the many-rows kernel: 8 AVX accumulators of 8 floats.</summary>
    internal const int Tile = 64;

    /// <summary>Nonzeros ahead whose xᵀ rows the AVX-512 tile loop prefetches.</summary>
    private const int PrefetchDistance = 8;

    /// <summary>Rows below which the gather kernel runs (each row then streams the nonzeros once).</summary>
    internal const int GatherRows = 4;

    /// <summary>
    /// Stored weights × rows below which one call stays on the calling thread: ~50 µs of work, well above a thread hand-off.
    /// A batch-1 call on a 80%-sparse 768×3072 layer (470k nonzeros) is above it, so generation uses every thread.
    /// </summary>
    private const long ParallelThreshold = 1L << 18;

    /// <summary>y[rows, outF] = x[rows, inF] · Wᵀ with W in CSR form (see the class remarks).</summary>
    public static unsafe void CsrMultiplyTransposed(ReadOnlySpan<float> x, int rows, int inF, int outF,
        ReadOnlySpan<int> rowStart, ReadOnlySpan<ushort> columns, ReadOnlySpan<float> values, Span<float> y)
    {
        if (x.Length < (long)rows * inF) throw new ArgumentException($"x holds {x.Length} values, fewer than {rows}x{inF}.");
        if (y.Length < (long)rows * outF) throw new ArgumentException($"y holds {y.Length} values, fewer than {rows}x{outF}.");
        if (rowStart.Length != outF + 1) throw new ArgumentException($"rowStart needs {outF + 1} entries, got {rowStart.Length}.");
        if (rows == 0 || outF == 0) return;
        int nnz = rowStart[outF];
        if (columns.Length < nnz || values.Length < nnz) throw new ArgumentException($"CSR weight lists {nnz} nonzeros but holds {values.Length} values and {columns.Length} columns.");
        if (inF > ushort.MaxValue + 1) throw new ArgumentException($"16-bit CSR columns cannot address {inF} inputs.");
        fixed (float* px = x) fixed (float* py = y) fixed (int* pr = rowStart) fixed (ushort* pc = columns) fixed (float* pv = values)
            Run(new CsrArgs(px, rows, inF, outF, pr, pc, pv, py), (long)nnz * rows);
    }

    /// <summary>
    /// y[rows, outF] = x[rows, inF] · Wᵀ with W in packed N:M form: of every M consecutive inputs of a row exactly N are
    /// stored, values [out, inF/M·N] and their positions inside the group, positions [out, inF/M·N] (0..M−1).
    /// Each row's columns are decoded (group·M + position) into a small buffer and run through the CSR kernels.
    /// </summary>
    public static unsafe void NMMultiplyTransposed(ReadOnlySpan<float> x, int rows, int inF, int outF, int n, int m,
        ReadOnlySpan<byte> positions, ReadOnlySpan<float> values, Span<float> y)
    {
        if (x.Length < (long)rows * inF) throw new ArgumentException($"x holds {x.Length} values, fewer than {rows}x{inF}.");
        if (y.Length < (long)rows * outF) throw new ArgumentException($"y holds {y.Length} values, fewer than {rows}x{outF}.");
        if (n <= 0 || m < n || inF % m != 0) throw new ArgumentException($"{n}:{m} does not fit {inF} inputs.");
        int perRow = inF / m * n;
        if (values.Length != (long)outF * perRow || positions.Length != values.Length)
            throw new ArgumentException($"{n}:{m} weight [{outF}, {inF}] needs {outF * perRow} values and positions.");
        if (rows == 0 || outF == 0) return;
        fixed (float* px = x) fixed (float* py = y) fixed (byte* pp = positions) fixed (float* pv = values)
        {
            var a = new CsrArgs(px, rows, inF, outF, null, null, pv, py) { N = n, M = m, Positions = pp };
            Run(a, (long)values.Length * rows);
        }
    }

    private static unsafe void Run(in CsrArgs a, long work)
    {
        bool gather = a.Rows < GatherRows;
        int tiles = gather ? a.Rows : (a.Rows + Tile - 1) / Tile;
        int threads = work < ParallelThreshold ? 1 : Math.Max(1, Gemm.MaxThreads);
        // Enough output ranges that every thread has work even when there are fewer tiles than threads.
        int outChunks = threads == 1 ? 1 : Math.Max(1, Math.Min(a.Out / 16, (threads * 4 + tiles - 1) / tiles));
        int items = tiles * outChunks;
        if (threads == 1 || items == 1)
        {
            for (int i = 0; i < items; i++) RunItem(a, gather, i / outChunks, i % outChunks, outChunks);
            return;
        }
        var args = a;
        Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = threads },
            i => RunItem(args, gather, i / outChunks, i % outChunks, outChunks));
    }

    private readonly unsafe struct CsrArgs(float* x, int rows, int inF, int outF, int* rowStart, ushort* columns, float* values, float* y)
    {
        public readonly float* X = x, Values = values, Y = y;
        public readonly int* RowStart = rowStart;
        public readonly ushort* Columns = columns;
        public readonly int Rows = rows, In = inF, Out = outF;
        /// <summary>N:M form when M &gt; 0: Positions replace RowStart/Columns.</summary>
        public int N { get; init; }
        public int M { get; init; }
        public byte* Positions { get; init; }

        /// <summary>Output o's nonzeros: start offset into Values and count; for N:M its columns are decoded into <paramref name="decoded"/>.</summary>
        public ushort* Row(int o, ushort* decoded, out int start, out int count)
        {
            if (M == 0)
            {
                start = RowStart[o];
                count = RowStart[o + 1] - start;
                return Columns;
            }
            int perRow = In / M * N;
            start = o * perRow;
            count = perRow;
            byte* pos = Positions + start;
            for (int g = 0, j = 0; j < perRow; g += M)
                for (int k = 0; k < N; k++, j++) decoded[j] = (ushort)(g + pos[j]);
            return decoded - start;
        }
    }

    [ThreadStatic] private static float[]? s_tile;
    [ThreadStatic] private static ushort[]? s_columns;

    private static unsafe void RunItem(in CsrArgs a, bool gather, int tile, int chunk, int chunks)
    {
        int o0 = (int)((long)a.Out * chunk / chunks), o1 = (int)((long)a.Out * (chunk + 1) / chunks);
        ushort[] colBuf = a.M == 0 ? [] : s_columns is { } cb && cb.Length >= a.In ? cb : (s_columns = new ushort[a.In]);
        fixed (ushort* decoded = colBuf)
        {
            if (gather) GatherRow(a, tile, o0, o1, decoded);
            else TileRows(a, tile, o0, o1, decoded);
        }
    }

    /// <summary>Outputs whose sums [OutputBlock, Tile] (64 KiB) are staged before being written to y.</summary>
    private const int OutputBlock = 256;

    [ThreadStatic] private static float[]? s_acc;

    /// <summary>
    /// One tile of up to <see cref="Tile"/> tokens for outputs [o0, o1): xᵀ [in, Tile] is built once (about 200 KB for 768
    /// inputs, in L2), then each output's sums [Tile] accumulate in registers over its nonzeros. Sums of
    /// <see cref="OutputBlock"/> outputs are staged and written per token as one contiguous run.
    /// (Walking the inputs in L1-sized column blocks was tried and measured slower: the per-block reloading of the sums
    /// and the row cursors cost more than the L2 reads they saved.)
    /// </summary>
    private static unsafe void TileRows(in CsrArgs a, int tile, int o0, int o1, ushort* decoded)
    {
        int r0 = tile * Tile, width = Math.Min(Tile, a.Rows - r0);
        var buf = s_tile is { } b && b.Length >= a.In * Tile ? b : (s_tile = new float[a.In * Tile]);
        var accBuf = s_acc ??= new float[OutputBlock * Tile];
        fixed (float* xt = buf) fixed (float* accAll = accBuf)
        {
            // xᵀ tile [in, Tile], zero-padded past the last token so the kernel never branches on width.
            for (int c = 0; c < a.In; c++)
            {
                float* dst = xt + (long)c * Tile;
                for (int t = 0; t < width; t++) dst[t] = a.X[(long)(r0 + t) * a.In + c];
                for (int t = width; t < Tile; t++) dst[t] = 0f;
            }
            for (int ob = o0; ob < o1; ob += OutputBlock)
            {
                int count = Math.Min(OutputBlock, o1 - ob);
                new Span<float>(accAll, count * Tile).Clear();
                for (int k = 0; k < count; k++)
                {
                    ushort* cols = a.Row(ob + k, decoded, out int start, out int n);
                    TileRow(xt, cols, a.Values, start, start + n, accAll + k * Tile);
                }
                // Staged write: per token, a contiguous run of outputs (a scattered store per (token, output) would touch a new cache line each time).
                for (int t = 0; t < width; t++)
                {
                    float* yt = a.Y + (long)(r0 + t) * a.Out + ob;
                    for (int k = 0; k < count; k++) yt[k] = accAll[k * Tile + t];
                }
            }
        }
    }

    /// <summary>acc[Tile] += Σ_j values[j] · xᵀ[columns[j], :] for j in [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void TileRow(float* xt, ushort* columns, float* values, int start, int end, float* acc)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            // AVX-512: half the instructions of the AVX2 loop for the same bytes and multiply-adds.
            Vector512<float> z0 = Vector512.Load(acc), z1 = Vector512.Load(acc + 16), z2 = Vector512.Load(acc + 32), z3 = Vector512.Load(acc + 48);
            // Two nonzeros per step into two sets of sums: eight independent multiply-add chains hide the FMA latency.
            Vector512<float> u0 = default, u1 = default, u2 = default, u3 = default;
            int j = start;
            for (; j + 2 <= end; j += 2)
            {
                if (j + PrefetchDistance + 1 < end)
                {
                    // xᵀ rows are picked at random from the L2-resident tile: request two a few steps ahead.
                    float* f0 = xt + columns[j + PrefetchDistance] * Tile, f1 = xt + columns[j + PrefetchDistance + 1] * Tile;
                    Sse.Prefetch0(f0); Sse.Prefetch0(f0 + 16); Sse.Prefetch0(f0 + 32); Sse.Prefetch0(f0 + 48);
                    Sse.Prefetch0(f1); Sse.Prefetch0(f1 + 16); Sse.Prefetch0(f1 + 32); Sse.Prefetch0(f1 + 48);
                }
                var v = Vector512.Create(values[j]);
                var w = Vector512.Create(values[j + 1]);
                float* p = xt + columns[j] * Tile;
                float* q = xt + columns[j + 1] * Tile;
                z0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p), z0);
                u0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(q), u0);
                z1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 16), z1);
                u1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(q + 16), u1);
                z2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 32), z2);
                u2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(q + 32), u2);
                z3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 48), z3);
                u3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(q + 48), u3);
            }
            z0 += u0; z1 += u1; z2 += u2; z3 += u3;
            for (; j < end; j++)
            {
                var v = Vector512.Create(values[j]);
                float* p = xt + columns[j] * Tile;
                z0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p), z0);
                z1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 16), z1);
                z2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 32), z2);
                z3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(p + 48), z3);
            }
            z0.Store(acc); z1.Store(acc + 16); z2.Store(acc + 32); z3.Store(acc + 48);
            return;
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a0 = Vector256.Load(acc), a1 = Vector256.Load(acc + 8), a2 = Vector256.Load(acc + 16), a3 = Vector256.Load(acc + 24),
                a4 = Vector256.Load(acc + 32), a5 = Vector256.Load(acc + 40), a6 = Vector256.Load(acc + 48), a7 = Vector256.Load(acc + 56);
            for (int j = start; j < end; j++)
            {
                var v = Vector256.Create(values[j]);
                float* p = xt + columns[j] * Tile;
                a0 = MulAdd(v, Vector256.Load(p), a0);
                a1 = MulAdd(v, Vector256.Load(p + 8), a1);
                a2 = MulAdd(v, Vector256.Load(p + 16), a2);
                a3 = MulAdd(v, Vector256.Load(p + 24), a3);
                a4 = MulAdd(v, Vector256.Load(p + 32), a4);
                a5 = MulAdd(v, Vector256.Load(p + 40), a5);
                a6 = MulAdd(v, Vector256.Load(p + 48), a6);
                a7 = MulAdd(v, Vector256.Load(p + 56), a7);
            }
            a0.Store(acc); a1.Store(acc + 8); a2.Store(acc + 16); a3.Store(acc + 24);
            a4.Store(acc + 32); a5.Store(acc + 40); a6.Store(acc + 48); a7.Store(acc + 56);
            return;
        }
        for (int j = start; j < end; j++)
        {
            float v = values[j];
            float* p = xt + columns[j] * Tile;
            for (int t = 0; t < Tile; t++) acc[t] += v * p[t];
        }
    }

    /// <summary>y[r, o] = Σ_j values[j] · x[r, columns[j]] for outputs [o0, o1) of one token row.</summary>
    private static unsafe void GatherRow(in CsrArgs a, int r, int o0, int o1, ushort* decoded)
    {
        float* xr = a.X + (long)r * a.In;
        float* yr = a.Y + (long)r * a.Out;
        if (a.M > 0 && 8 % a.N == 0 && Avx2.IsSupported && Fma.IsSupported)
        {
            GatherRowNM(a, xr, yr, o0, o1);
            return;
        }
        for (int o = o0; o < o1; o++)
        {
            ushort* columns = a.Row(o, decoded, out int j, out int count);
            int end = j + count;
            float sum = 0f;
            if (Avx2.IsSupported && Fma.IsSupported)
            {
                Vector256<float> s0 = default, s1 = default;
                for (; j + 16 <= end; j += 16)
                {
                    var i0 = Avx2.ConvertToVector256Int32(columns + j);
                    var i1 = Avx2.ConvertToVector256Int32(columns + j + 8);
                    s0 = Fma.MultiplyAdd(Avx2.GatherVector256(xr, i0, 4), Avx.LoadVector256(a.Values + j), s0);
                    s1 = Fma.MultiplyAdd(Avx2.GatherVector256(xr, i1, 4), Avx.LoadVector256(a.Values + j + 8), s1);
                }
                for (; j + 8 <= end; j += 8)
                    s0 = Fma.MultiplyAdd(Avx2.GatherVector256(xr, Avx2.ConvertToVector256Int32(columns + j), 4), Avx.LoadVector256(a.Values + j), s0);
                sum = Vector256.Sum(s0 + s1);
            }
            for (; j < end; j++) sum += a.Values[j] * xr[columns[j]];
            yr[o] = sum;
        }
    }

    /// <summary>
    /// N:M at few rows, N dividing 8: eight stored values span 8/N groups, so their columns are
    /// (lane / N)·M + (first group)·M + position, decoded in registers and gathered.
    /// </summary>
    private static unsafe void GatherRowNM(in CsrArgs a, float* xr, float* yr, int o0, int o1)
    {
        int n = a.N, m = a.M, perRow = a.In / m * n;
        var pattern = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) / Vector256.Create(n) * Vector256.Create(m); // (lane / N)·M
        int step = 8 / n * m; // inputs spanned by eight stored values
        for (int o = o0; o < o1; o++)
        {
            float* v = a.Values + (long)o * perRow;
            byte* pos = a.Positions + (long)o * perRow;
            Vector256<float> s0 = default, s1 = default;
            int j = 0, baseCol = 0;
            for (; j + 16 <= perRow; j += 16, baseCol += 2 * step)
            {
                var i0 = pattern + Vector256.Create(baseCol) + Avx2.ConvertToVector256Int32(pos + j);
                var i1 = pattern + Vector256.Create(baseCol + step) + Avx2.ConvertToVector256Int32(pos + j + 8);
                s0 = Fma.MultiplyAdd(Avx2.GatherVector256(xr, i0, 4), Avx.LoadVector256(v + j), s0);
                s1 = Fma.MultiplyAdd(Avx2.GatherVector256(xr, i1, 4), Avx.LoadVector256(v + j + 8), s1);
            }
            float sum = Vector256.Sum(s0 + s1);
            for (; j < perRow; j++) sum += v[j] * xr[j / n * m + pos[j]];
            yr[o] = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : a * b + c;
}
