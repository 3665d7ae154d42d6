using System.Globalization;
using System.Numerics.Tensors;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;
using Tensor = MLNet.Compression.Tensors.Tensor;

namespace MLNet.Compression.Pruning;

/// <summary>
/// SparseGPT (Frantar &amp; Alistarh 2023, "Massive Language Models Can Be Accurately Pruned in One-Shot", Algorithm 1):
/// per layer, H = 2XXᵀ over the calibration inputs; columns are visited left to right in blocks of B; at the start of a
/// block the mask is chosen adaptively by w²/[H⁻¹]²_cc over the whole block (§3.3 "adaptive mask selection"); each pruned
/// weight's error is spread over the not-yet-visited columns with the rows of the upper Cholesky factor of H⁻¹ (the OBS
/// update, §3.2). Reference: IST-DASLab/sparsegpt sparsegpt.py SparseGPT.fasterprune.
/// </summary>
/// <remarks>
/// Layers are handled in checkpoint order, in passes whose Hessians fit <see cref="Options.MaxHessianBytes"/>; each pass
/// captures its inputs from the model as pruned so far, so later layers see the errors of earlier ones, as in the
/// reference's sequential block-by-block run.
/// </remarks>
public sealed class SparseGptPruningEstimator : PruningEstimator
{
    /// <summary>Options of SparseGPT.</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Columns per block (B, the lazy-update and mask-selection width). Default 128, the reference's blocksize.</summary>
        public int BlockSize { get; set; } = 128;

        /// <summary>Dampening λ as a fraction of the mean diagonal of H, added to the diagonal. Default 0.01 (percdamp).</summary>
        public double Damping { get; set; } = 0.01;

        /// <summary>Weights kept per group for N:M, 0 for unstructured. Default 0.</summary>
        public int N { get; set; }

        /// <summary>Group width for N:M, 0 for unstructured. Default 0.</summary>
        public int M { get; set; }

        /// <summary>Memory for the Hessians [in, in] of one calibration pass. Default 1 GiB.</summary>
        public long MaxHessianBytes { get; set; } = 1L << 30;
    }

    private readonly Options _options;

    public SparseGptPruningEstimator(CompressionContext context, Options options) : base(context, options, "sparsegpt")
    {
        WandaPruningEstimator.NMCheck(options.N, options.M);
        if (options.BlockSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"BlockSize must be positive, got {options.BlockSize}.");
        if (options.M > 0 && options.BlockSize % options.M != 0) throw new ArgumentOutOfRangeException(nameof(options), $"BlockSize {options.BlockSize} must be a multiple of M = {options.M}.");
        if (!(options.Damping >= 0)) throw new ArgumentOutOfRangeException(nameof(options), $"Damping must be >= 0, got {options.Damping}.");
        _options = options;
    }

    protected override bool NeedsCalibration => true;

    protected override IEnumerable<KeyValuePair<string, string>> Details()
    {
        yield return new("block_size", _options.BlockSize.ToString(CultureInfo.InvariantCulture));
        yield return new("damping", _options.Damping.ToString(CultureInfo.InvariantCulture));
        if (_options.M > 0) { yield return new("n", _options.N.ToString(CultureInfo.InvariantCulture)); yield return new("m", _options.M.ToString(CultureInfo.InvariantCulture)); }
    }

    protected override void Prune(PruningJob job)
    {
        int next = 0;
        while (next < job.Targets.Count)
        {
            // One pass: as many layers as the Hessian budget allows (at least one).
            var pass = new List<(Linear Layer, double Sparsity)>();
            long bytes = 0;
            while (next < job.Targets.Count)
            {
                var t = job.Targets[next];
                long need = (long)t.Layer.InFeatures * t.Layer.InFeatures * sizeof(float);
                if (pass.Count > 0 && bytes + need > _options.MaxHessianBytes) break;
                pass.Add(t);
                bytes += need;
                next++;
            }
            var hessians = Hessians(job.Model, pass.Select(p => p.Layer).Distinct().ToList(), job.Calibration!);
            foreach (var (layer, sparsity) in pass)
            {
                var (h, tokens) = hessians[layer];
                var w = layer.Weight.ToDense().ReadOnlySpan.ToArray(); // [out·in], a copy
                var pruned = PruneLayer(w, layer.OutFeatures, layer.InFeatures, h, sparsity, _options.N, _options.M, _options.BlockSize, _options.Damping, layer.Name);
                job.Install(layer, new Tensor(pruned, layer.OutFeatures, layer.InFeatures), _options.M > 0 ? 1.0 - (double)_options.N / _options.M : sparsity,
                    _options.N, _options.M, [new("calibration_tokens", tokens.ToString(CultureInfo.InvariantCulture))]);
            }
        }
    }

    /// <summary>Σ x xᵀ [in, in] per layer over the calibration tokens, with the token count.</summary>
    private static Dictionary<Linear, (float[] H, long Tokens)> Hessians(LanguageModel model, IReadOnlyList<Linear> layers, CalibrationData calibration)
    {
        var acc = layers.ToDictionary(l => l, l => new float[(long)l.InFeatures * l.InFeatures]); // [in, in]
        var tokens = layers.ToDictionary(l => l, _ => 0L);
        calibration.Capture(model, layers, (layer, x, rows) =>
        {
            int inF = layer.InFeatures;
            var h = acc[layer];
            lock (h)
            {
                ComputeBackend.Current.Sgemm(true, false, inF, inF, rows, 1f, x, inF, x, inF, 1f, h, inF); // H += XᵀX
                tokens[layer] += rows;
            }
        });
        return layers.ToDictionary(l => l, l => (acc[l], tokens[l]));
    }

    /// <summary>
    /// fasterprune for one layer: W [rows, cols] and Σxxᵀ [cols, cols] → the pruned, error-compensated W.
    /// The Hessian's scale does not matter (damping is relative, and the update and mask scores are scale-free).
    /// </summary>
    internal static float[] PruneLayer(float[] weight, int rows, int cols, float[] xxT, double sparsity, int n, int m, int blockSize, double damping, string name)
    {
        var w = (float[])weight.Clone(); // [rows, cols]
        var h = new double[(long)cols * cols]; // [cols, cols]
        for (long i = 0; i < h.Length; i++) h[i] = xxT[i];
        // Dead inputs (never active in calibration): H_cc = 1 and W[:, c] = 0, as the reference does.
        double meanDiag = 0;
        for (int c = 0; c < cols; c++)
        {
            if (h[(long)c * cols + c] == 0)
            {
                h[(long)c * cols + c] = 1;
                for (int r = 0; r < rows; r++) w[(long)r * cols + c] = 0;
            }
            meanDiag += h[(long)c * cols + c];
        }
        double damp = damping * meanDiag / cols;
        for (int c = 0; c < cols; c++) h[(long)c * cols + c] += damp;
        var u = InverseCholeskyUpper(h, cols, name); // [cols, cols], H⁻¹ = UᵀU

        var w1 = new float[rows * blockSize];   // [rows, B]
        var err1 = new float[rows * blockSize]; // [rows, B]
        var mask1 = new bool[rows * blockSize]; // [rows, B]
        for (int i1 = 0; i1 < cols; i1 += blockSize)
        {
            int i2 = Math.Min(i1 + blockSize, cols), count = i2 - i1;
            for (int r = 0; r < rows; r++) Array.Copy(w, (long)r * cols + i1, w1, r * count, count);
            Array.Clear(mask1);
            if (m == 0)
            {
                // tmp = W1² / diag(Hinv1)²; thresh = sort(tmp)[int(numel · sparsity)]; mask1 = tmp <= thresh
                var tmp = new float[rows * count];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < count; c++)
                    {
                        float d = u[(long)(i1 + c) * cols + i1 + c];
                        tmp[r * count + c] = w1[r * count + c] * w1[r * count + c] / (d * d);
                    }
                int index = (int)(tmp.Length * sparsity);
                if (sparsity > 0 && index < tmp.Length)
                {
                    float thresh = MaskSelection.KthSmallest(tmp, index);
                    for (int j = 0; j < tmp.Length; j++) mask1[j] = tmp[j] <= thresh;
                }
                else if (index >= tmp.Length) Array.Fill(mask1, true, 0, tmp.Length);
            }
            for (int i = 0; i < count; i++)
            {
                int col = i1 + i;
                float d = u[(long)col * cols + col];
                if (m > 0 && i % m == 0)
                {
                    // Within each row, the M − N lowest w²/d² of the next M columns are pruned.
                    var group = new float[m];
                    var pick = new bool[m];
                    for (int r = 0; r < rows; r++)
                    {
                        for (int k = 0; k < m; k++)
                        {
                            float dk = u[(long)(col + k) * cols + col + k];
                            float v = w1[r * count + i + k];
                            group[k] = v * v / (dk * dk);
                        }
                        MaskSelection.MarkNM(group, m, n, m, pick);
                        for (int k = 0; k < m; k++) mask1[r * count + i + k] |= pick[k];
                    }
                }
                var hRow = new ReadOnlySpan<float>(u, col * cols + col, count - i); // Hinv1[i, i:]
                for (int r = 0; r < rows; r++)
                {
                    float wv = w1[r * count + i];
                    float q = mask1[r * count + i] ? 0f : wv;
                    float e = (wv - q) / d;
                    err1[r * count + i] = e;
                    w1[r * count + i] = q;
                    if (e != 0f)
                    {
                        // W1[r, i+1:] -= e · Hinv1[i, i+1:]  (column i itself becomes q)
                        var rest = w1.AsSpan(r * count + i + 1, count - i - 1);
                        TensorPrimitives.MultiplyAdd(hRow[1..], -e, rest, rest);
                    }
                }
            }
            for (int r = 0; r < rows; r++) Array.Copy(w1, r * count, w, (long)r * cols + i1, count);
            if (i2 < cols)
            {
                // W[:, i2:] -= Err1 · Hinv[i1:i2, i2:]
                ComputeBackend.Current.Sgemm(false, false, rows, cols - i2, count, -1f, err1.AsSpan(0, rows * count), count,
                    u.AsSpan(i1 * cols + i2), cols, 1f, w.AsSpan(i2), cols);
            }
        }
        return w;
    }

    /// <summary>
    /// U upper triangular with H⁻¹ = UᵀU (torch.linalg.cholesky(cholesky_inverse(cholesky(H)), upper=True)), computed as the
    /// inverse of the factor of H = ŨŨᵀ with Ũ upper (the Cholesky factor of H with rows and columns reversed): then
    /// H⁻¹ = Ũ⁻ᵀŨ⁻¹ = UᵀU with U = Ũ⁻¹. Double precision; returned as float [n, n].
    /// </summary>
    internal static float[] InverseCholeskyUpper(double[] h, int n, string name)
    {
        // L: lower Cholesky factor of J H J (J reverses the order), row-major [n, n].
        var l = new double[(long)n * n];
        for (int i = 0; i < n; i++)
        {
            var li = l.AsSpan(i * n, n);
            for (int j = 0; j <= i; j++)
            {
                double s = h[(long)(n - 1 - i) * n + (n - 1 - j)] - TensorPrimitives.Dot<double>(li[..j], l.AsSpan(j * n, j));
                if (i == j)
                {
                    if (!(s > 0)) throw new InvalidOperationException($"{name}: the damped Hessian is not positive definite at input {n - 1 - i}; raise the damping.");
                    li[i] = Math.Sqrt(s);
                }
                else li[j] = s / l[(long)j * n + j];
            }
        }
        // X = L⁻¹ (lower), row by row: X[i, :i+1] = (e_i − Σ_{k<i} L[i,k] X[k, :]) / L[i,i].
        var x = new double[(long)n * n];
        for (int i = 0; i < n; i++)
        {
            var xi = x.AsSpan(i * n, i + 1);
            xi[i] = 1;
            for (int k = 0; k < i; k++)
            {
                double lik = l[(long)i * n + k];
                if (lik != 0) TensorPrimitives.MultiplyAdd<double>(x.AsSpan(k * n, k + 1), -lik, xi[..(k + 1)], xi[..(k + 1)]);
            }
            TensorPrimitives.Divide<double>(xi, l[(long)i * n + i], xi);
        }
        // Ũ = J L J, so U = Ũ⁻¹ = J X J.
        var u = new float[(long)n * n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) u[(long)i * n + j] = (float)x[(long)(n - 1 - i) * n + (n - 1 - j)];
        return u;
    }
}
