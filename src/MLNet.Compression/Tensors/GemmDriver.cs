namespace MLNet.Compression.Tensors;

/// <summary>
/// The five loops around the micro-kernel (Goto and van de Geijn 2008; BLIS "Anatomy" figure 1):
/// jc over NC columns, pc over KC depth (pack B), ic over MC rows (pack A), jr over NR, ir over MR.
/// Computes one rectangle of C on the calling thread; <see cref="Gemm"/> splits C across threads.
/// </summary>
internal static unsafe class GemmDriver
{
    /// <summary>C[m0..m1, n0..n1] = alpha * op(A) op(B) + beta * C for the problem in <paramref name="g"/>.</summary>
    public static void Compute(GemmBlocking blk, in GemmArgs g, int m0, int m1, int n0, int n1)
    {
        int mr = blk.MR, nr = blk.NR;
        int kcMax = Math.Min(blk.KC, g.K);
        int mcMax = RoundUp(Math.Min(blk.MC, m1 - m0), mr);
        int ncMax = RoundUp(Math.Min(blk.NC, n1 - n0), nr);
        float* aPack = GemmBuffers.A(mcMax * kcMax); // ceil(mc/MR) panels of [kc, MR]
        float* bPack = GemmBuffers.B(ncMax * kcMax); // ceil(nc/NR) panels of [kc, NR]
        var kernel = blk.Kernel;

        for (int jc = n0; jc < n1; jc += blk.NC)
        {
            int nc = Math.Min(blk.NC, n1 - jc);
            for (int pc = 0; pc < g.K; pc += blk.KC)
            {
                int kc = Math.Min(blk.KC, g.K - pc);
                // Later depth passes accumulate onto the first pass's result.
                float beta = pc == 0 ? g.Beta : 1f;
                GemmPacking.PackB(g.TransB, g.B, g.Ldb, pc, kc, jc, nc, nr, bPack);

                for (int ic = m0; ic < m1; ic += blk.MC)
                {
                    int mc = Math.Min(blk.MC, m1 - ic);
                    GemmPacking.PackA(g.TransA, g.A, g.Lda, ic, mc, pc, kc, mr, aPack);

                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bPanel = bPack + (nint)(jr / nr) * kc * nr;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* aPanel = aPack + (nint)(ir / mr) * kc * mr;
                            float* cTile = g.C + (nint)(ic + ir) * g.Ldc + jc + jr;
                            if (rows == mr && cols == nr)
                                kernel(kc, aPanel, bPanel, cTile, g.Ldc, g.Alpha, beta);
                            else
                                EdgeTile(blk, kc, aPanel, bPanel, cTile, g.Ldc, g.Alpha, beta, rows, cols);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A tile cut by the matrix edge: compute the full tile into scratch, then write only the part inside C.</summary>
    private static void EdgeTile(GemmBlocking blk, int kc, float* aPanel, float* bPanel, float* c, nint ldc,
        float alpha, float beta, int rows, int cols)
    {
        int nr = blk.NR;
        float* tile = stackalloc float[blk.MR * nr]; // [MR, NR]
        blk.Kernel(kc, aPanel, bPanel, tile, nr, 1f, 0f);
        for (int i = 0; i < rows; i++)
        {
            float* ci = c + i * ldc;
            float* ti = tile + i * nr;
            if (beta == 0f)
                for (int j = 0; j < cols; j++) ci[j] = alpha * ti[j];
            else
                for (int j = 0; j < cols; j++) ci[j] = alpha * ti[j] + beta * ci[j];
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}

/// <summary>One GEMM problem on raw pointers (the caller keeps the spans pinned while it runs).</summary>
internal readonly unsafe struct GemmArgs
{
    public readonly bool TransA, TransB;
    public readonly int M, N, K;
    public readonly float Alpha, Beta;
    public readonly float* A, B, C;
    public readonly nint Lda, Ldb, Ldc;

    public GemmArgs(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        TransA = transA; TransB = transB;
        M = m; N = n; K = k;
        Alpha = alpha; Beta = beta;
        A = a; B = b; C = c;
        Lda = lda; Ldb = ldb; Ldc = ldc;
    }
}
