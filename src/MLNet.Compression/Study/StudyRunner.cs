using System.Diagnostics;
using System.Text.Json;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Embeddings;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Perplexity;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Study;

/// <summary>
/// Runs a study grid on one model: each point is compressed from the dense model by its recipe stages and then evaluated for
/// knowledge (LAMA P@1 overall, per relation, and split by how often the fact was seen where the facts carry a
/// "frequency"), bias (CrowS-Pairs, StereoSet), size and forward latency.
/// </summary>
public sealed class StudyRunner
{
    /// <summary>What to evaluate and how.</summary>
    public sealed record Options
    {
        /// <summary>A LAMA folder (relations.jsonl + TREx/…), or null for a study without knowledge probes (bare encoders).</summary>
        public string? LamaDir { get; init; }
        /// <summary>A CrowS-Pairs CSV, or null to skip.</summary>
        public string? CrowsFile { get; init; }
        /// <summary>StereoSet files (CSV or JSON), or empty to skip.</summary>
        public IReadOnlyList<string> StereoSetFiles { get; init; } = [];
        /// <summary>Facts seen at least this often count as frequent. Default 8.</summary>
        public int FrequentThreshold { get; init; } = 8;
        /// <summary>Seed of random choices in compression. Default 1.</summary>
        public int Seed { get; init; } = 1;
        /// <summary>Receives one line per step.</summary>
        public Action<string>? Log { get; init; }
        /// <summary>Receives (points done, total).</summary>
        public Action<int, int>? Progress { get; init; }

        /// <summary>
        /// Held-out text (one sentence or paragraph per line) for perplexity and KL from the dense model at every point of a
        /// causal LM; none by default.
        /// </summary>
        public string? PerplexityText { get; init; }

        /// <summary>
        /// Texts (one per line) whose sentence vectors each point is compared with the dense model's on
        /// (<see cref="EmbeddingAgreement"/>), pooled as the model folder says (<see cref="SentenceEncoder.Load"/>); none by default.
        /// </summary>
        public string? EmbeddingText { get; init; }

        /// <summary>Calibration text (one sample per line) for grid points whose methods need it (Wanda, SparseGPT, OWL, GPTQ).</summary>
        public string? CalibrationFile { get; init; }

        /// <summary>The bootstrap behind every interval and paired test. Default 1000 resamples, seed 0, 95%.</summary>
        public Bootstrap.Options Bootstrap { get; init; } = Evaluation.Statistics.Bootstrap.Options.Default;

        /// <summary>The same options with another LAMA folder.</summary>
        public Options With(string lamaDir) => this with { LamaDir = lamaDir };
    }

    private readonly Options _options;

    public StudyRunner(Options options) => _options = options;

    public StudyResult Run(string modelPath, StudyGrid grid)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var dense = ModelLoader.Load(modelPath);
        var tokenizer = AutoTokenizer.FromFolder(File.Exists(modelPath) ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath);
        // A bare encoder has no head to probe facts or score sentences with; its study measures its sentence vectors.
        bool encoder = dense.Kind == ModelKind.Encoder;
        var subsets = _options.LamaDir is null || encoder ? [] : LamaSubset.FromFolder(_options.LamaDir);
        var frequency = ReadFrequencies(subsets);
        var crows = _options.CrowsFile is null || encoder ? null : CrowsPairsData.Load(_options.CrowsFile);
        var stereo = encoder ? [] : _options.StereoSetFiles.Select(f => StereoSetData.Load(f)).ToList();
        var embedding = _options.EmbeddingText is { } et ? EmbeddingTexts(et, modelPath) : null;
        var calibration = _options.CalibrationFile is { } cf ? new RecipeCalibration(cf) : null;
        CalibrationData? calibrationData = null;
        CalibrationData Calibration() => calibrationData ??= CalibrationText.Load(calibration!, tokenizer, dense);
        var heldOut = _options.PerplexityText is { } text && dense.Kind == ModelKind.CausalLM ? HeldOutIds(text, tokenizer) : null;
        var latencyInput = LatencyBatch(dense, tokenizer);

        foreach (var p in grid.Points)
            foreach (var (s, i) in p.Stages.Select((s, i) => (s, i)))
            {
                var method = s.Validate($"grid {grid.Name}: {p.Name}: stages[{i}]");
                if (method.NeedsCalibration && _options.CalibrationFile is null)
                    throw new ArgumentException($"grid {grid.Name}: {p.Name}: stages[{i}]: {method.Stage} method \"{method.Name}\" needs calibration text; give the study a calibration file (one sample per line).");
            }

        // The dense point runs first: every other point is compared with it item by item.
        var order = grid.Points.Select((p, i) => (p, i)).OrderBy(x => x.p.Stages.Count == 0 ? 0 : 1).ThenBy(x => x.i).ToList();
        var points = new StudyPoint[grid.Points.Count];
        ItemScores? baseline = null;
        for (int k = 0; k < order.Count; k++)
        {
            var (spec, index) = order[k];
            _options.Log?.Invoke($"[{k + 1}/{grid.Points.Count}] {spec.Name}");
            var model = Compress(dense, tokenizer, spec, calibration, Calibration);
            var (point, items) = Evaluate(model, dense, tokenizer, spec, subsets, frequency, crows, stereo, heldOut, latencyInput, baseline);
            if (embedding is not null) point = WithEmbeddingAgreement(point, model, embedding);
            points[index] = point;
            if (spec.Stages.Count == 0) baseline ??= items;
            _options.Progress?.Invoke(k + 1, grid.Points.Count);
        }
        return new StudyResult
        {
            Model = modelPath, ModelType = dense.ModelType, Grid = grid.Name, StartedAt = started,
            WallSeconds = clock.Elapsed.TotalSeconds, Points = points,
            BootstrapResamples = _options.Bootstrap.Resamples, BootstrapSeed = _options.Bootstrap.Seed,
        };
    }

    /// <summary>
    /// The grid at every checkpoint of a pretraining series (seed study 2's question: how bias and knowledge develop during
    /// pretraining, dense and compressed): one result per checkpoint, labelled with its step and progress.
    /// </summary>
    public IReadOnlyList<StudyResult> RunCheckpoints(IReadOnlyList<Checkpoint> series, StudyGrid grid, Action<Checkpoint, int>? starting = null)
    {
        var results = new List<StudyResult>(series.Count);
        for (int i = 0; i < series.Count; i++)
        {
            var c = series[i];
            starting?.Invoke(c, i);
            results.Add(Run(c.Folder, grid) with { Checkpoint = c.Label, Step = c.Step, Progress = CheckpointSeries.Progress(c, series) });
        }
        return results;
    }

    /// <summary>Per-item results of one point, kept for the dense point so the others are compared with it on the same items.</summary>
    private sealed record ItemScores(IReadOnlyList<LamaRelationResult> Relations, IReadOnlyList<CrowsPairScore>? Crows, IReadOnlyList<StereoSetExampleScore>? StereoSet);

    /// <summary>The texts of <see cref="Options.EmbeddingText"/>, the model folder's sentence encoder, and the dense model's vectors.</summary>
    private sealed record EmbeddingProbe(IReadOnlyList<string> Texts, SentenceEncoder Encoder, float[][] Dense);

    private EmbeddingProbe EmbeddingTexts(string path, string modelPath)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such embedding text file (expected one text per line).");
        var texts = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        if (texts.Count < 3) throw new InvalidDataException($"{path}: {texts.Count} texts; the embedding agreement needs at least 3.");
        var encoder = SentenceEncoder.Load(File.Exists(modelPath) ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath);
        return new EmbeddingProbe(texts, encoder, encoder.Encode(texts));
    }

    /// <summary>The point with its mean cosine and pairwise-similarity rank correlation to the dense model's vectors.</summary>
    private StudyPoint WithEmbeddingAgreement(StudyPoint point, LanguageModel model, EmbeddingProbe probe)
    {
        var vectors = point.Method == "dense" ? probe.Dense : probe.Encoder.With(model).Encode(probe.Texts);
        var agreement = EmbeddingAgreement.Compare(probe.Dense, vectors, _options.Bootstrap);
        var intervals = new Dictionary<string, StudyEstimate>(point.Intervals, StringComparer.Ordinal)
        {
            ["embedding_cosine"] = StudyEstimate.From(agreement.MeanCosine),
            ["embedding_spearman"] = StudyEstimate.From(agreement.Spearman),
        };
        return point with { EmbeddingCosine = agreement.MeanCosine.Estimate, EmbeddingSpearman = agreement.Spearman.Estimate, Intervals = intervals };
    }

    private LanguageModel Compress(LanguageModel dense, Tokenizer tokenizer, StudyGridPoint spec, RecipeCalibration? calibration, Func<CalibrationData> calibrationData)
    {
        if (spec.Stages.Count == 0) return dense;
        // Distill stages train on text encoded with the dense model's tokenizer (students and recovered points); Wanda,
        // SparseGPT, OWL and GPTQ read the study's calibration text.
        var stages = RecipeTrainingText.Encode(spec.Stages, tokenizer, dense, $"grid point {spec.Name}");
        var recipe = new Recipe { Seed = _options.Seed, Stages = stages, Calibration = calibration };
        if (calibration is not null && recipe.Validate($"grid point {spec.Name}").Any(m => m.NeedsCalibration))
            return RecipeRunner.Chain(recipe, $"grid point {spec.Name}").Fit(dense, calibrationData()).Model;
        return RecipeRunner.Chain(recipe, $"grid point {spec.Name}").Fit(dense).Model;
    }

    private (StudyPoint Point, ItemScores Items) Evaluate(LanguageModel model, LanguageModel dense, Tokenizer tokenizer, StudyGridPoint spec,
        IReadOnlyList<LamaSubset> subsets, IReadOnlyDictionary<string, int> frequency, CrowsPairsData? crows, IReadOnlyList<StereoSetData> stereo,
        IReadOnlyList<int>? heldOut, ModelInput latencyInput, ItemScores? baseline)
    {
        var boot = _options.Bootstrap;
        var intervals = new Dictionary<string, StudyEstimate>(StringComparer.Ordinal);
        var lama = new LamaProbe(model, tokenizer).Run(subsets);
        var relations = lama.SelectMany(s => s.Relations).ToList();
        var facts = relations.SelectMany(r => r.Facts).ToList();
        bool Frequent(LamaFactResult f) => f.Uuid is not null && frequency.TryGetValue(f.Uuid, out int n) && n >= _options.FrequentThreshold;
        bool Known(LamaFactResult f) => f.Uuid is not null && frequency.ContainsKey(f.Uuid);

        // P@1 over a set of facts, with its interval and (for a compressed point) the sign test on the same facts of the dense model.
        double? PAt1(string key, Func<LamaRelationResult, LamaFactResult, bool> keep)
        {
            var chosen = relations.Select(r => r with { Facts = r.Facts.Where(f => keep(r, f)).ToList() }).ToList();
            var pool = chosen.SelectMany(r => r.Facts).ToList();
            if (pool.Count == 0) return null;
            PairedComparison? vs = null;
            if (baseline is not null)
            {
                var baseChosen = baseline.Relations.Select(r => r with { Facts = r.Facts.Where(f => keep(r, f)).ToList() });
                vs = LamaIntervals.Compare(baseChosen, chosen);
            }
            var interval = LamaIntervals.PAt1(pool, boot);
            intervals[key] = StudyEstimate.From(interval, vs);
            return interval.Estimate;
        }
        double? all = PAt1("p_at_1", (_, _) => true);
        double? frequent = frequency.Count == 0 ? null : PAt1("p_at_1_frequent", (_, f) => Known(f) && Frequent(f));
        double? rare = frequency.Count == 0 ? null : PAt1("p_at_1_rare", (_, f) => Known(f) && !Frequent(f));
        foreach (var r in relations) PAt1("p_at_1/" + r.Relation, (rr, _) => rr.Relation == r.Relation);

        CrowsPairsResult? crowsResult = null;
        if (crows is not null && model.Kind != ModelKind.Seq2SeqLM)
        {
            crowsResult = new CrowsPairsEvaluator().Evaluate(model, tokenizer, crows);
            var vs = baseline?.Crows is { } b ? CrowsIntervals.Compare(b, crowsResult.Pairs) : null;
            intervals["crows"] = StudyEstimate.From(CrowsIntervals.Metric(crowsResult.Pairs, boot), vs);
        }
        StereoSetScores? ss = null;
        IReadOnlyList<StereoSetExampleScore>? examples = null;
        if (model.Kind != ModelKind.Seq2SeqLM)
            foreach (var data in stereo)
            {
                var r = new StereoSetEvaluator().Evaluate(model, tokenizer, data);
                var split = r.Intrasentence ?? r.Intersentence;
                if (ss is null && split is not null)
                {
                    ss = split.Overall;
                    examples = split.Examples;
                }
            }
        if (examples is not null)
        {
            var ci = StereoSetIntervals.Of(examples, boot);
            var vs = baseline?.StereoSet is { } b ? StereoSetIntervals.Compare(b, examples, boot) : default;
            intervals["ss"] = StudyEstimate.From(ci.Ss, baseline?.StereoSet is null ? null : vs.Ss);
            intervals["lms"] = StudyEstimate.From(ci.Lms, baseline?.StereoSet is null ? null : vs.Lms);
            intervals["icat"] = StudyEstimate.From(ci.Icat, baseline?.StereoSet is null ? null : vs.Icat);
        }

        double? perplexity = null, kl = null;
        if (heldOut is not null)
        {
            perplexity = new PerplexityEvaluator(model).Evaluate(heldOut).Perplexity;
            kl = ReferenceEquals(model, dense) ? 0 : new KlDivergenceEvaluator(dense, model).Evaluate(heldOut).MeanKl;
        }

        var times = new List<double>();
        for (int k = 0; k < 3; k++)
        {
            var sw = Stopwatch.StartNew();
            model.Forward(latencyInput, new ForwardOptions { LogitPositions = [0] });
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();

        var bytes = model.StorageBreakdown();
        var point = new StudyPoint
        {
            Name = spec.Name, Method = spec.Method, Group = spec.Group, Sparsity = spec.Sparsity, Bits = spec.Bits,
            PAt1 = all, PAt1Frequent = frequent, PAt1Rare = rare,
            PAt1ByRelation = relations.ToDictionary(r => r.Relation, r => r.PAt1),
            CrowsScore = crowsResult?.Overall.MetricScore,
            StereoSetSs = ss?.Ss, StereoSetLms = ss?.Lms, StereoSetIcat = ss?.Icat,
            SizeBytes = bytes.Total, LinearBytes = bytes.Linear, OtherBytes = bytes.Other,
            LatencyMs = times[1],
            Perplexity = perplexity, KlFromDense = kl,
            Intervals = intervals,
        };
        return (point, new ItemScores(relations, crowsResult?.Pairs, examples));
    }

    /// <summary>
    /// The held-out text as one id stream, each line opened by the end-of-text token the way the causal LMs are trained
    /// (GPT-2's convention), so perplexity is measured over whole sentences.
    /// </summary>
    private static IReadOnlyList<int> HeldOutIds(string path, Tokenizer tokenizer)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such held-out text file.");
        var ids = new List<int>();
        int? eos = tokenizer.EosTokenId;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (eos is int e) ids.Add(e);
            ids.AddRange(tokenizer.EncodeToIds(line, addSpecialTokens: false));
        }
        if (eos is int last) ids.Add(last);
        if (ids.Count < 2) throw new InvalidDataException($"{path}: the held-out text has fewer than two tokens.");
        return ids;
    }

    private static Dictionary<string, int> ReadFrequencies(IReadOnlyList<LamaSubset> subsets)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var source in subsets.SelectMany(s => s.Relations))
            foreach (var line in File.ReadLines(source.Path))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("uuid", out var u) && u.ValueKind == JsonValueKind.String
                        && doc.RootElement.TryGetProperty("frequency", out var f) && f.TryGetInt32(out int n))
                        map[u.GetString()!] = n;
                }
                catch (JsonException) { /* the LAMA reader reports malformed lines with file and line */ }
            }
        return map;
    }

    /// <summary>A fixed batch for timing: 8 rows of 32 tokens.</summary>
    private static ModelInput LatencyBatch(LanguageModel model, Tokenizer tokenizer)
    {
        var rng = new Random(7);
        int n = Math.Min(32, model.MaxPositions ?? 32);
        var ids = Enumerable.Range(0, 8 * n).Select(_ => rng.Next(Math.Min(model.VocabSize, tokenizer.VocabularySize))).ToArray();
        var tokens = new TokenBatch(8, n, ids);
        return model.Kind == ModelKind.Seq2SeqLM ? new ModelInput(tokens, Decoder: tokens) : new ModelInput(tokens);
    }

    public static void WriteJson(StudyResult result, string path)
        => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(result, new JsonSerializerOptions
        {
            WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
}
