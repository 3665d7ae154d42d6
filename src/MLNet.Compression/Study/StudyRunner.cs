using System.Diagnostics;
using System.Text.Json;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;
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
    public sealed class Options
    {
        /// <summary>A LAMA folder (relations.jsonl + TREx/…); required.</summary>
        public required string LamaDir { get; init; }
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

        /// <summary>The same options with another LAMA folder.</summary>
        public Options With(string lamaDir) => new()
        {
            LamaDir = lamaDir, CrowsFile = CrowsFile, StereoSetFiles = StereoSetFiles, FrequentThreshold = FrequentThreshold,
            Seed = Seed, Log = Log, Progress = Progress,
        };
    }

    private readonly Options _options;

    public StudyRunner(Options options) => _options = options;

    public StudyResult Run(string modelPath, StudyGrid grid)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var dense = ModelLoader.Load(modelPath);
        var tokenizer = AutoTokenizer.FromFolder(File.Exists(modelPath) ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath);
        var subsets = LamaSubset.FromFolder(_options.LamaDir);
        var frequency = ReadFrequencies(subsets);
        var crows = _options.CrowsFile is null ? null : CrowsPairsData.Load(_options.CrowsFile);
        var stereo = _options.StereoSetFiles.Select(f => StereoSetData.Load(f)).ToList();
        var latencyInput = LatencyBatch(dense, tokenizer);

        foreach (var p in grid.Points)
            foreach (var (s, i) in p.Stages.Select((s, i) => (s, i))) s.Validate($"grid {grid.Name}: {p.Name}: stages[{i}]");

        var points = new List<StudyPoint>();
        for (int i = 0; i < grid.Points.Count; i++)
        {
            var spec = grid.Points[i];
            _options.Log?.Invoke($"[{i + 1}/{grid.Points.Count}] {spec.Name}");
            var model = Compress(dense, spec);
            points.Add(Evaluate(model, tokenizer, spec, subsets, frequency, crows, stereo, latencyInput));
            _options.Progress?.Invoke(i + 1, grid.Points.Count);
        }
        return new StudyResult
        {
            Model = modelPath, ModelType = dense.ModelType, Grid = grid.Name, StartedAt = started,
            WallSeconds = clock.Elapsed.TotalSeconds, Points = points,
        };
    }

    private LanguageModel Compress(LanguageModel dense, StudyGridPoint spec)
    {
        if (spec.Stages.Count == 0) return dense;
        var ctx = new CompressionContext(_options.Seed);
        IModelEstimator<ModelTransformer>? chain = null;
        foreach (var stage in spec.Stages)
        {
            var method = RecipeMethods.Find(stage.Stage, stage.Method);
            var estimator = RecipeMethods.FactoryOf(method)(ctx, stage, Pipeline.ModuleGroup.Parse(stage.Groups));
            chain = chain is null ? estimator : chain.Append(estimator);
        }
        return chain!.Fit(dense).Model;
    }

    private StudyPoint Evaluate(LanguageModel model, Tokenizer tokenizer, StudyGridPoint spec, IReadOnlyList<LamaSubset> subsets,
        IReadOnlyDictionary<string, int> frequency, CrowsPairsData? crows, IReadOnlyList<StereoSetData> stereo, ModelInput latencyInput)
    {
        var lama = new LamaProbe(model, tokenizer).Run(subsets);
        var facts = lama.SelectMany(s => s.Relations).SelectMany(r => r.Facts).ToList();
        double? Share(IEnumerable<LamaFactResult> fs) { var l = fs.ToList(); return l.Count == 0 ? null : l.Count(f => f.Rank == 1) / (double)l.Count; }
        bool Frequent(LamaFactResult f) => f.Uuid is not null && frequency.TryGetValue(f.Uuid, out int n) && n >= _options.FrequentThreshold;
        bool Known(LamaFactResult f) => f.Uuid is not null && frequency.ContainsKey(f.Uuid);

        double? crowsScore = null;
        if (crows is not null && model.Kind != ModelKind.Seq2SeqLM)
            crowsScore = new CrowsPairsEvaluator().Evaluate(model, tokenizer, crows).Overall.MetricScore;
        StereoSetScores? ss = null;
        if (model.Kind != ModelKind.Seq2SeqLM)
            foreach (var data in stereo)
            {
                var r = new StereoSetEvaluator().Evaluate(model, tokenizer, data);
                ss ??= r.Intrasentence?.Overall ?? r.Intersentence?.Overall;
            }

        var times = new List<double>();
        for (int k = 0; k < 3; k++)
        {
            var sw = Stopwatch.StartNew();
            model.Forward(latencyInput, new ForwardOptions { LogitPositions = [0] });
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();

        return new StudyPoint
        {
            Name = spec.Name, Method = spec.Method, Group = spec.Group, Sparsity = spec.Sparsity, Bits = spec.Bits,
            PAt1 = Share(facts),
            PAt1Frequent = frequency.Count == 0 ? null : Share(facts.Where(f => Known(f) && Frequent(f))),
            PAt1Rare = frequency.Count == 0 ? null : Share(facts.Where(f => Known(f) && !Frequent(f))),
            PAt1ByRelation = lama.SelectMany(s => s.Relations).ToDictionary(r => r.Relation, r => r.PAt1),
            CrowsScore = crowsScore,
            StereoSetSs = ss?.Ss, StereoSetLms = ss?.Lms, StereoSetIcat = ss?.Icat,
            SizeBytes = model.StorageBytes(),
            LatencyMs = times[1],
        };
    }

    /// <summary>uuid → "frequency" field of the fact files (the synthetic world writes it; real LAMA files have none).</summary>
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
