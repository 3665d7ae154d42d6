using MLNet.Compression.Tensors;

namespace MLNet.Compression.Quantization;

/// <summary>
/// GPTQ (Frantar et al. 2022, Algorithm 1; IST-DASLab/gptq gptq.py fasterquant): quantize W column by column, and after
/// each column spread its rounding error over the columns not yet quantized, weighted by the inverse Hessian, so the
/// layer's output on the calibration inputs moves as little as possible. Runs in double precision.
/// </summary>
public static class GptqQuantizer
{
    /// <summary>Settings of one GPTQ run.</summary>
    /// <param name="Bits">2..8</param>
    /// <param name="GroupSize">columns per grid; 0 or less: one grid per row</param>
    /// <param name="Symmetric">symmetric grids (zero point in the middle)</param>
    /// <param name="PercentDamp">λ = PercentDamp · mean(diag H) added to the diagonal (§4 "dampening", default 0.01)</param>
    /// <param name="BlockSize">columns per lazy batch (§4 "lazy batch-updates", default 128)</param>
    /// <param name="ActOrder">quantize columns in order of decreasing diag(H) (the reference's --act-order)</param>
    public readonly record struct Settings(int Bits, int GroupSize, bool Symmetric, double PercentDamp = 0.01, int BlockSize = 128, bool ActOrder = false);

    /// <param name="weight">[out, in]</param>
    /// <param name="hessian">[in, in], 2/N·XᵀX from <see cref="HessianAccumulator"/></param>
    public static KBitWeight Quantize(Tensor weight, double[] hessian, Settings s)
    {
        if (weight.Rank != 2) throw new ArgumentException($"a linear weight must be 2-D, got {weight}.");
        int rows = weight.Dim(0), cols = weight.Dim(1);
        if (hessian.Length != (long)cols * cols) throw new ArgumentException($"Hessian has {hessian.Length} entries, [{cols}, {cols}] needs {(long)cols * cols}.");
        if (s.BlockSize <= 0) throw new ArgumentException($"block size must be positive, got {s.BlockSize}.");
        if (s.PercentDamp < 0) throw new ArgumentException($"percdamp must be ≥ 0, got {s.PercentDamp}.");
        int gs = s.GroupSize <= 0 ? cols : Math.Min(s.GroupSize, cols), groups = (cols + gs - 1) / gs;

        var W = new double[(long)rows * cols]; // [rows, cols]
        for (int i = 0; i < W.Length; i++) W[i] = weight.Data[i];
        var H = (double[])hessian.Clone(); // [cols, cols]
        // Dead inputs (never active in calibration): H_ii = 1 and W[:, i] = 0, as the reference does.
        for (int i = 0; i < cols; i++)
            if (H[(long)i * cols + i] == 0)
            {
                H[(long)i * cols + i] = 1;
                for (int r = 0; r < rows; r++) W[(long)r * cols + i] = 0;
            }

        // Grids: with act-order the groups stay contiguous in the original column order and are fitted up front on the
        // original weights (the reference's --static-groups), so the packed format needs no column index.
        var scales = new float[rows * groups]; // [rows, groups]
        var zeros = new float[rows * groups];  // [rows, groups]
        var grids = new GroupGrid[rows * groups];
        if (s.ActOrder) for (int g = 0; g < groups; g++) FitGroup(W, rows, cols, g, gs, s, grids);

        var perm = Enumerable.Range(0, cols).ToArray();
        if (s.ActOrder) perm = perm.OrderByDescending(i => H[(long)i * cols + i]).ToArray(); // stable, like a sort by -diag
        var Wp = new double[W.Length]; // [rows, cols] in quantization order
        var Hp = new double[H.Length]; // [cols, cols] in quantization order
        for (int r = 0; r < rows; r++) for (int j = 0; j < cols; j++) Wp[(long)r * cols + j] = W[(long)r * cols + perm[j]];
        for (int i = 0; i < cols; i++) for (int j = 0; j < cols; j++) Hp[(long)i * cols + j] = H[(long)perm[i] * cols + perm[j]];

        double mean = 0;
        for (int i = 0; i < cols; i++) mean += Hp[(long)i * cols + i];
        double damp = s.PercentDamp * mean / cols;
        for (int i = 0; i < cols; i++) Hp[(long)i * cols + i] += damp;
        var U = InverseCholeskyUpper(Hp, cols); // H⁻¹ = UᵀU, U upper-triangular [cols, cols]

        var codes = new byte[(long)rows * cols]; // [rows, cols] original order
        var err = new double[(long)rows * s.BlockSize]; // [rows, block]
        for (int i1 = 0; i1 < cols; i1 += s.BlockSize)
        {
            int i2 = Math.Min(cols, i1 + s.BlockSize), count = i2 - i1;
            for (int i = i1; i < i2; i++)
            {
                int orig = perm[i];
                if (!s.ActOrder && orig % gs == 0) FitGroup(Wp, rows, cols, orig / gs, gs, s, grids, fromColumn: i);
                double d = U[(long)i * cols + i];
                for (int r = 0; r < rows; r++)
                {
                    var grid = grids[r * groups + orig / gs];
                    double w = Wp[(long)r * cols + i];
                    int q = grid.Code((float)w);
                    codes[(long)r * cols + orig] = (byte)q;
                    double e = (w - grid.Value(q)) / d;
                    err[(long)r * s.BlockSize + (i - i1)] = e;
                    // W[:, i:i2] -= e · U[i, i:i2] (within the block, right away)
                    for (int j = i + 1; j < i2; j++) Wp[(long)r * cols + j] -= e * U[(long)i * cols + j];
                }
            }
            // Lazy batch update of everything after the block: W[:, i2:] -= Err · U[i1:i2, i2:].
            if (i2 < cols)
                Parallel.For(0, rows, new ParallelOptions { MaxDegreeOfParallelism = Gemm.MaxThreads }, r =>
                {
                    for (int t = 0; t < count; t++)
                    {
                        double e = err[(long)r * s.BlockSize + t];
                        if (e == 0) continue;
                        long urow = (long)(i1 + t) * cols;
                        for (int j = i2; j < cols; j++) Wp[(long)r * cols + j] -= e * U[urow + j];
                    }
                });
        }
        for (int i = 0; i < grids.Length; i++) { scales[i] = grids[i].Scale; zeros[i] = grids[i].Zero; }
        return new KBitWeight(codes, scales, zeros, rows, cols, s.Bits, gs, s.Symmetric);
    }

    /// <summary>
    /// Fits the grids of group g. Static (act-order): on the original columns of the group. Dynamic: on the current,
    /// error-updated weights of the group's columns, which in quantization order start at <paramref name="fromColumn"/>.
    /// </summary>
    private static void FitGroup(double[] w, int rows, int cols, int g, int gs, Settings s, GroupGrid[] grids, int fromColumn = -1)
    {
        int c0 = fromColumn >= 0 ? fromColumn : g * gs, len = Math.Min(gs, cols - g * gs), groups = (cols + gs - 1) / gs;
        var buf = new float[len];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < len; j++) buf[j] = (float)w[(long)r * cols + c0 + j];
            grids[r * groups + g] = GroupGrid.Fit(buf, s.Bits, s.Symmetric);
        }
    }

    /// <summary>
    /// U upper-triangular with UᵀU = H⁻¹ (torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True)).
    /// A matrix that is not positive definite even after damping is reported, naming the column.
    /// </summary>
    internal static double[] InverseCholeskyUpper(double[] h, int n)
    {
        var L = Cholesky(h, n);
        // Inverse of H from its factor: solve L Y = I, then H⁻¹ = Yᵀ Y (Y = L⁻¹, lower).
        var Y = new double[(long)n * n];
        for (int c = 0; c < n; c++)
        {
            for (int i = c; i < n; i++)
            {
                double sum = i == c ? 1.0 : 0.0;
                for (int k = c; k < i; k++) sum -= L[(long)i * n + k] * Y[(long)k * n + c];
                Y[(long)i * n + c] = sum / L[(long)i * n + i];
            }
        }
        var inv = new double[(long)n * n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Gemm.MaxThreads }, i =>
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = 0;
                for (int k = i; k < n; k++) sum += Y[(long)k * n + i] * Y[(long)k * n + j];
                inv[(long)i * n + j] = sum;
                inv[(long)j * n + i] = sum;
            }
        });
        var Linv = Cholesky(inv, n); // H⁻¹ = Linv Linvᵀ, so U = Linvᵀ
        var U = new double[(long)n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j <= i; j++) U[(long)j * n + i] = Linv[(long)i * n + j];
        return U;
    }

    /// <summary>Lower Cholesky factor of a symmetric positive-definite matrix [n, n].</summary>
    internal static double[] Cholesky(double[] a, int n)
    {
        var L = new double[(long)n * n];
        for (int j = 0; j < n; j++)
        {
            double d = a[(long)j * n + j];
            for (int k = 0; k < j; k++) d -= L[(long)j * n + k] * L[(long)j * n + k];
            if (!(d > 0)) throw new InvalidOperationException($"GPTQ: the Hessian is not positive definite at column {j}; raise the damping (percdamp) or add calibration text.");
            double ljj = Math.Sqrt(d);
            L[(long)j * n + j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double sum = a[(long)i * n + j];
                for (int k = 0; k < j; k++) sum -= L[(long)i * n + k] * L[(long)j * n + k];
                L[(long)i * n + j] = sum / ljj;
            }
        }
        return L;
    }
}
