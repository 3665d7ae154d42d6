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

    /// <summary>Rows below which the gather kernel runs (each row then streams the nonzeros once).</summary>
    internal const int GatherRows = 4;

    /// <summary>Multiply-adds below which one call stays on the calling thread (as <see cref="Gemm.ParallelThreshold"/>).</summary>
    private const long ParallelThreshold = 1L << 20;

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
            for (int j = 0; j < perRow; j++) decoded[j] = (ushort)(j / N * M + pos[j]);
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

    private static unsafe void TileRows(in CsrArgs a, int tile, int o0, int o1, ushort* decoded)
    {
        int r0 = tile * Tile, width = Math.Min(Tile, a.Rows - r0);
        var buf = s_tile is { } b && b.Length >= a.In * Tile ? b : (s_tile = new float[a.In * Tile]);
        fixed (float* xt = buf)
        {
            // xᵀ tile [in, Tile], zero-padded past the last token so the kernel never branches on width.
            for (int c = 0; c < a.In; c++)
            {
                float* dst = xt + (long)c * Tile;
                for (int t = 0; t < width; t++) dst[t] = a.X[(long)(r0 + t) * a.In + c];
                for (int t = width; t < Tile; t++) dst[t] = 0f;
            }
            float* acc = stackalloc float[Tile];
            for (int o = o0; o < o1; o++)
            {
                ushort* cols = a.Row(o, decoded, out int start, out int count);
                TileRow(xt, cols, a.Values, start, start + count, acc);
                float* yo = a.Y + (long)r0 * a.Out + o;
                for (int t = 0; t < width; t++) yo[(long)t * a.Out] = acc[t];
            }
        }
    }

    /// <summary>acc[Tile] = Σ_j values[j] · xᵀ[columns[j], :] for j in [start, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void TileRow(float* xt, ushort* columns, float* values, int start, int end, float* acc)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
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
        for (int t = 0; t < Tile; t++) acc[t] = 0f;
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : a * b + c;
}
