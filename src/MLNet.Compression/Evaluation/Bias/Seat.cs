using System.Text.Json;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>A SEAT test file: target sets X (targ1), Y (targ2) and attribute sets A (attr1), B (attr2) of sentences.</summary>
public sealed record SeatTest(string Name, string Path, string[] X, string[] Y, string[] A, string[] B, string[] Categories)
{
    /// <summary>Reads one .jsonl file (a single JSON object with targ1, targ2, attr1, attr2, each {"category", "examples"}).</summary>
    public static SeatTest Load(string path)
    {
        string text = File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"{path}: file not found.", path);
        if (string.IsNullOrWhiteSpace(text)) throw new EvaluationDataException(path, null, "the file is empty (expected {\"targ1\", \"targ2\", \"attr1\", \"attr2\"}).");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new EvaluationDataException(path, (int?)(e.LineNumber + 1), "malformed JSON: " + e.Message); }
        using (doc)
        {
            (string[], string) Set(string key)
            {
                if (!doc.RootElement.TryGetProperty(key, out var set) || !set.TryGetProperty("examples", out var ex) || ex.ValueKind != JsonValueKind.Array)
                    throw new EvaluationDataException(path, null, $"missing \"{key}\" with an \"examples\" array.");
                var items = ex.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new EvaluationDataException(path, null, $"{key}.examples holds a non-string.")).ToArray();
                if (items.Length == 0) throw new EvaluationDataException(path, null, $"{key}.examples is empty.");
                string cat = set.TryGetProperty("category", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : key;
                return (items, cat);
            }
            var (x, cx) = Set("targ1"); var (y, cy) = Set("targ2"); var (a, ca) = Set("attr1"); var (b, cb) = Set("attr2");
            return new SeatTest(System.IO.Path.GetFileNameWithoutExtension(path), path, x, y, a, b, [cx, cy, ca, cb]);
        }
    }
}

/// <summary>Effect size and p-value of one SEAT test.</summary>
public sealed record SeatResult(string Test, double EffectSize, double PValue, bool ExactPValue, int NX, int NY, int NA, int NB);

/// <summary>
/// WEAT statistics (Caliskan et al. 2017) on sentence encodings, as SEAT (May et al. 2019; W4ngatang/sent-bias weat.py,
/// copied into bias-bench seat/weat.py) computes them. With s(w, A, B) = mean_a cos(w, a) − mean_b cos(w, b):
/// effect size = (mean_x s(x) − mean_y s(y)) / stdev_{w in X∪Y} s(w) (sample stdev, ddof 1); p-value = share of equal-size
/// partitions (X', Y') of X∪Y with Σ_{X'} s ≥ Σ_X s (ties count, conservative), exact over all C(2n, n) partitions when
/// that is at most <see cref="Options.Samples"/>, else from that many random partitions, one of them the observed one.
/// </summary>
public sealed class SeatEvaluator
{
    /// <summary>Options of a SEAT run.</summary>
    public sealed class Options
    {
        /// <summary>Permutation samples (bias-bench default 100,000); the exact test is used when there are no more partitions than this.</summary>
        public int Samples { get; init; } = 100_000;

        /// <summary>Seed of the sampled permutation test (default 0, as bias-bench). System.Random, so samples differ from NumPy's.</summary>
        public int Seed { get; init; }

        /// <summary>Called with (done, total) sentences encoded.</summary>
        public Action<int, int>? Progress { get; init; }
    }

    private readonly Options _options;

    public SeatEvaluator(Options? options = null) => _options = options ?? new Options();

    /// <summary>Encodes the sentences with the model as bias-bench does for language models (<see cref="Encode"/>) and runs the test.</summary>
    public SeatResult Evaluate(LanguageModel model, Tokenizer tokenizer, SeatTest test)
        => Evaluate(sentences => Encode(model, tokenizer, sentences, _options.Progress), test);

    /// <summary>
    /// Runs the test on encodings made by <paramref name="encode"/>: a sentence encoder's own pooled vectors, as the SEAT
    /// paper (May et al. 2019) encodes each sentence with the encoder under test.
    /// </summary>
    public SeatResult Evaluate(Func<IReadOnlyList<string>, double[][]> encode, SeatTest test)
    {
        var all = test.X.Concat(test.Y).Concat(test.A).Concat(test.B).Distinct().ToList();
        var enc = encode(all);
        var map = all.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => enc[p.i]);
        double[][] Of(string[] s) => s.Select(t => map[t]).ToArray();
        return Run(test.Name, Of(test.X), Of(test.Y), Of(test.A), Of(test.B));
    }

    /// <summary>
    /// Sentence encodings as bias-bench seat.py makes them: the mean over all tokens (special tokens included) of the
    /// model's last hidden state (the encoder's for seq2seq), normalised to unit length. One sentence per forward pass
    /// group of equal length, so no padding enters the mean.
    /// </summary>
    public static double[][] Encode(LanguageModel model, Tokenizer tokenizer, IReadOnlyList<string> sentences, Action<int, int>? progress = null)
    {
        var ids = sentences.Select(s => tokenizer.EncodeToIds(s).ToArray()).ToList();
        var result = new double[sentences.Count][];
        int done = 0;
        foreach (var chunk in BiasScoring.ByLength(ids.Count, i => ids[i].Length, 32))
        {
            int len = ids[chunk[0]].Length;
            if (len == 0) throw new ArgumentException($"sentence \"{sentences[chunk[0]]}\" encodes to no tokens.");
            var flat = new int[chunk.Length * len];                                    // [batch, len]
            for (int b = 0; b < chunk.Length; b++) ids[chunk[b]].CopyTo(flat, b * len);
            var batch = new TokenBatch(chunk.Length, len, flat);
            var hidden = model is Seq2SeqLanguageModel s2s ? s2s.Encode(batch).LastHiddenState
                : model.Forward(new ModelInput(batch), new ForwardOptions { LogitPositions = [0] }).LastHiddenState!;   // [batch, len, hidden]
            int h = hidden.Dim(-1);
            var span = hidden.ReadOnlySpan;
            for (int b = 0; b < chunk.Length; b++)
            {
                var v = new double[h];
                for (int t = 0; t < len; t++)
                    for (int j = 0; j < h; j++) v[j] += span[(b * len + t) * h + j];
                double norm = 0;
                for (int j = 0; j < h; j++) { v[j] /= len; norm += v[j] * v[j]; }
                norm = Math.Sqrt(norm);
                for (int j = 0; j < h; j++) v[j] /= norm;
                result[chunk[b]] = v;
            }
            progress?.Invoke(done += chunk.Length, ids.Count);
        }
        return result;
    }

    /// <summary>The WEAT statistics on given encodings.</summary>
    public SeatResult Run(string name, double[][] x, double[][] y, double[][] a, double[][] b)
    {
        if (x.Length != y.Length) throw new ArgumentException($"SEAT test {name}: the target sets have {x.Length} and {y.Length} items; the permutation test needs equal sizes.");
        var xy = x.Concat(y).ToArray();
        var s = xy.Select(w => a.Average(v => Cos(w, v)) - b.Average(v => Cos(w, v))).ToArray();   // s(w, A, B)
        double meanX = s.Take(x.Length).Average(), meanY = s.Skip(x.Length).Average();
        double mean = s.Average();
        double sd = Math.Sqrt(s.Sum(v => (v - mean) * (v - mean)) / (s.Length - 1));
        var (p, exact) = PValue(s, x.Length, _options.Samples, _options.Seed);
        return new SeatResult(name, (meanX - meanY) / sd, p, exact, x.Length, y.Length, a.Length, b.Length);
    }

    /// <summary>weat.py p_val_permutation_test (non-parametric) on s(w) of X∪Y (the first <paramref name="n"/> are X).</summary>
    public static (double PValue, bool Exact) PValue(double[] s, int n, int samples, int seed)
    {
        double observed = 0;
        for (int i = 0; i < n; i++) observed += s[i];
        double partitions = Binomial(2 * n, n);
        long hits = 0, total = 0;
        if (partitions <= samples)
        {
            // Every subset of size n of the 2n items, in itertools.combinations order.
            var idx = Enumerable.Range(0, n).ToArray();
            while (true)
            {
                double si = 0;
                foreach (int i in idx) si += s[i];
                if (si >= observed) hits++;
                total++;
                int k = n - 1;
                while (k >= 0 && idx[k] == 2 * n - n + k) k--;
                if (k < 0) break;
                idx[k]++;
                for (int j = k + 1; j < n; j++) idx[j] = idx[j - 1] + 1;
            }
            return ((double)hits / total, true);
        }
        // Sampled: count the observed partition once ("biasing by 1"), then samples − 1 random shuffles.
        hits = 1; total = 1;
        var rng = new Random(seed);
        var perm = Enumerable.Range(0, 2 * n).ToArray();
        for (int r = 0; r < samples - 1; r++)
        {
            rng.Shuffle(perm);
            double si = 0;
            for (int i = 0; i < n; i++) si += s[perm[i]];
            if (si >= observed) hits++;
            total++;
        }
        return ((double)hits / total, false);
    }

    private static double Binomial(int n, int k)
    {
        double r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return Math.Round(r);
    }

    private static double Cos(double[] u, double[] v)
    {
        double dot = 0, uu = 0, vv = 0;
        for (int i = 0; i < u.Length; i++) { dot += u[i] * v[i]; uu += u[i] * u[i]; vv += v[i] * v[i]; }
        return dot / Math.Sqrt(uu * vv);
    }
}
