using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Sensitivity;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.AutoSearch.Tuners;
using MLNet.Compression.IO;
using MLNet.Compression.Persistence;

namespace MLNet.Compression.AutoSearch.Experiment;

/// <summary>
/// A compression search, shaped like Microsoft.ML.AutoML's AutoMLExperiment:
/// <c>ctx.Auto().CreateExperiment().SetModel(dir).SetData(…).SetSearchSpace(…).SetObjective(…).SetTuner("cfo")
/// .SetStorage("sqlite:study.db").SetMaxTrials(40).SetTimeBudget(…).SetMonitor(…)</c>, then <c>await RunAsync(ct)</c>.
/// One call is one worker: several processes (or machines, with PostgreSQL) running the same experiment share the study,
/// each claiming trials from the store, and a run of the same experiment after a crash resumes it (docs/AUTOSEARCH.md).
/// </summary>
public sealed class CompressionExperiment
{
    private string? _model;
    private SearchDataOptions? _data;
    private CompressionSpaceOptions _spaceOptions = new();
    private Action<SearchSpace>? _customizeSpace;
    private SearchObjective? _objective;
    private string _tuner = "cfo";
    private string _storage = "sqlite:autosearch.db";
    private IStudyStore? _store;
    private string _study = "default";
    private int _maxTrials = 20;
    private TimeSpan? _timeBudget;
    private ISearchMonitor _monitor = new SilentMonitor();
    private FidelitySchedule _fidelity = FidelitySchedule.Default;
    private int _seed = 1;
    private bool _sensitivity = true;
    private bool _compareUniform;
    private bool _repair = true;
    private SensitivityTable? _givenSensitivity;
    private Func<CompressionTrialRunner, ITrialRunner>? _trialRunner;
    private TimeSpan _heartbeatTimeout = TimeSpan.FromSeconds(60);
    private readonly int? _contextSeed;

    internal CompressionExperiment(int? seed) => _contextSeed = seed;

    public CompressionExperiment SetModel(string modelPath) { _model = modelPath; return this; }
    public CompressionExperiment SetData(SearchDataOptions data) { _data = data; return this; }
    /// <summary>The space's options; <paramref name="customize"/> may then narrow ranges or fix choices by parameter name.</summary>
    public CompressionExperiment SetSearchSpace(CompressionSpaceOptions options, Action<SearchSpace>? customize = null) { _spaceOptions = options; _customizeSpace = customize; return this; }
    public CompressionExperiment SetObjective(SearchObjective objective) { _objective = objective; return this; }
    /// <summary>random, cfo (default), tpe or nsga2.</summary>
    public CompressionExperiment SetTuner(string name) { _tuner = name; return this; }
    /// <summary>"sqlite:PATH" (default sqlite:autosearch.db) or "postgres://user:pass@host:port/db".</summary>
    public CompressionExperiment SetStorage(string url) { _storage = url; _store = null; return this; }
    /// <summary>A store the caller opened (and disposes).</summary>
    public CompressionExperiment SetStorage(IStudyStore store) { _store = store; _storage = store.Describe; return this; }
    public CompressionExperiment SetStudy(string name) { _study = name; return this; }
    public CompressionExperiment SetMaxTrials(int trials) { _maxTrials = trials; return this; }
    public CompressionExperiment SetTimeBudget(TimeSpan budget) { _timeBudget = budget; return this; }
    public CompressionExperiment SetMonitor(ISearchMonitor monitor) { _monitor = monitor; return this; }
    public CompressionExperiment SetFidelity(FidelitySchedule fidelity) { _fidelity = fidelity; return this; }
    public CompressionExperiment SetSeed(int seed) { _seed = seed; return this; }
    /// <summary>Measure layer sensitivities and start every tuner from the knapsack allocation (default on).</summary>
    public CompressionExperiment SetSensitivityStart(bool on) { _sensitivity = on; return this; }
    /// <summary>
    /// Runs trials with the runner <paramref name="wrap"/> builds around the compression runner (a plug-in that measures
    /// something more, or a test that makes a trial fail); the sensitivity pass and the report still use the compression runner.
    /// </summary>
    public CompressionExperiment SetTrialRunner(Func<CompressionTrialRunner, ITrialRunner> wrap) { _trialRunner = wrap; return this; }
    /// <summary>Use a sensitivity table measured before on the same model, space and data instead of measuring it again.</summary>
    public CompressionExperiment SetSensitivityTable(SensitivityTable table) { _givenSensitivity = table; return this; }
    /// <summary>Bring proposals over the size budget back inside it before running them (<see cref="BudgetRepair"/>; default on).</summary>
    public CompressionExperiment SetBudgetRepair(bool on) { _repair = on; return this; }
    /// <summary>Also measure the uniform plans that fit the budget on the report split.</summary>
    public CompressionExperiment SetCompareUniform(bool on) { _compareUniform = on; return this; }
    /// <summary>How long a worker may stay silent before its running trial goes to another worker. Default 60 s.</summary>
    public CompressionExperiment SetHeartbeatTimeout(TimeSpan timeout) { _heartbeatTimeout = timeout; return this; }

    /// <summary>Runs this worker until the study has its trials, the time budget ends or <paramref name="cancellation"/> fires.</summary>
    public Task<ExperimentResult> RunAsync(CancellationToken cancellation = default)
        => Task.Run(() => { using var prepared = Prepare(); return Run(prepared, cancellation); }, CancellationToken.None);

    /// <summary>Checks what can be checked before anything is loaded.</summary>
    private void Validate()
    {
        if (_model is null) throw new ArgumentException("experiment: no model (SetModel, --model).");
        if (_data is null) throw new ArgumentException("experiment: no data (SetData, --lama or --embedding-text).");
        if (_data.LamaDir is null && _data.EmbeddingTextFile is null)
            throw new ArgumentException("--lama, --embedding-text: give at least one (LAMA facts for a masked or causal LM; embedding texts for any model, bare encoders included).");
        if (_objective is null) throw new ArgumentException("experiment: no objective (SetObjective).");
        _objective.Validate();
        _objective.For(_data.LamaDir is not null, _data.EmbeddingTextFile is not null); // a metric without its data: refused before the model loads
        if (_maxTrials < 1) throw new ArgumentException($"--trials: {_maxTrials} (expected at least 1).");
        if (_timeBudget is { } t && t <= TimeSpan.Zero) throw new ArgumentException($"--time: {t.TotalSeconds} s (expected a positive number of seconds).");
        _fidelity.Validate("--fidelities");
        TunerCatalog.Check(_tuner, "--tuner");
        if (string.IsNullOrWhiteSpace(_study)) throw new ArgumentException("--study: the study name is empty.");
    }

    /// <summary>
    /// Everything that reads or checks what the user gave, before any trial: the options, the model and data, the space,
    /// the budget against the smallest plan, the store and the study (a resume must match its space and model). Every
    /// problem is the user's (ArgumentException, InvalidDataException, IOException, <see cref="StudyMismatchException"/>,
    /// <see cref="StoreUnavailableException"/>), and nothing is written to the store but the study itself.
    /// </summary>
    /// <param name="mustExist">refuse to start a new study (a --resume that names a study the store does not have)</param>
    public PreparedSearch Prepare(bool mustExist = false)
    {
        Validate();
        _monitor.ReportProgress("loading", 0, 1);
        var data = SearchDataset.Load(_model!, _data!);
        var spaceOptions = data.Calibration is null ? _spaceOptions.WithoutCalibrationMethods() : _spaceOptions;
        var space = CompressionSpace.Build(data.Dense, spaceOptions);
        _customizeSpace?.Invoke(space.Space);
        var objective = _objective!.For(data.HasFacts, data.EmbeddingTexts.Count > 0);
        if (objective.Knowledge == KnowledgeMetric.Kl && data.CalibrationIds is null)
            throw new ArgumentException("--knowledge kl: the KL proxy needs a causal LM and calibration text (--calibration).");
        long denseSearched = CompressionTrialRunner.DenseSearchedBytes(space);
        long fixedBytes = data.Dense.StorageBytes() - denseSearched;
        long limit = objective.SizeBudget?.SearchedLimit(denseSearched, space.SearchedParameters, fixedBytes) ?? long.MaxValue;
        CheckBudget(space, objective, limit, fixedBytes);

        var ownedStore = _store is null ? StudyStores.Open(_storage, "--storage") : null;
        try
        {
            var store = _store ?? ownedStore!;
            var existing = store.FindStudy(_study);
            if (existing is null && mustExist)
                throw new ArgumentException($"--resume: {store.Describe} has no study \"{_study}\" (studies: {string.Join(", ", store.Studies().Select(s => s.Name).DefaultIfEmpty("none"))}).");
            store.OpenStudy(Definition(data, space, objective));
            return new PreparedSearch(data, space, new PlanJudge(objective, denseSearched, limit), store, ownedStore, existing is not null);
        }
        catch
        {
            ownedStore?.Dispose();
            throw;
        }
    }

    /// <summary>Runs this worker on a prepared search (see <see cref="Prepare"/>) until the study has its trials, the time budget ends or <paramref name="cancellation"/> fires.</summary>
    public ExperimentResult Run(PreparedSearch prepared, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        if (_timeBudget is { } tb) budget.CancelAfter(tb);
        var (data, space, judge, store) = (prepared.Data, prepared.Space, prepared.Judge, prepared.Store);
        var objective = judge.Objective;
        long limit = judge.SearchedLimit, denseSearched = judge.DenseSearchedBytes;
        if (prepared.Resumed) _monitor.ReportMessage($"resuming study \"{_study}\" in {store.Describe}: {store.Trials(_study).Count(t => t.IsComplete)} of {_maxTrials} trials complete");

        _monitor.ReportProgress("dense model on the search split", 0, 1);
        var baseline = CompressionTrialRunner.Baseline(data, _fidelity, objective);
        var runner = new CompressionTrialRunner(data, space, judge, _fidelity, baseline, _seed);
        ITrialRunner trialRunner = _trialRunner?.Invoke(runner) ?? runner;

        SensitivityTable? table = null;
        var starts = new List<Parameters>();
        if (_sensitivity)
        {
            var analysis = new SensitivityAnalysis(data, space, runner);
            table = store.GetBlob(_study, "sensitivity") is { } json ? SensitivityTable.FromJson(json) : null;
            if (table is null && _givenSensitivity is not null) table = SensitivityTable.FromJson(store.PutBlobIfAbsent(_study, "sensitivity", _givenSensitivity.ToJson()));
            if (table is null)
            {
                // About 1500 facts (or texts, for the embedding cosine) of the search split: enough for stable probes, and a
                // few seconds per probe on BERT-base.
                int items = objective.Knowledge == KnowledgeMetric.EmbeddingCosine ? baseline[^1].TextIndices?.Count ?? 0 : baseline[^1].NFacts;
                double share = Math.Min(1, 1500.0 / Math.Max(1, items));
                var measured = analysis.Measure(share, judge.Metric, analysis.Context(limit),
                    (d, n) => _monitor.ReportProgress("layer sensitivity", d, n), budget.Token);
                table = SensitivityTable.FromJson(store.PutBlobIfAbsent(_study, "sensitivity", measured.ToJson()));
            }
            starts.AddRange(Starts(analysis, table, space, limit, denseSearched).Where(p => IsInside(space.Space, p)));
        }
        var tunerOptions = new TunerOptions { Seed = _seed, Starts = starts };
        var repair = _repair ? new BudgetRepair(space, table, limit) : null;
        // The clock is read directly as well as through CancelAfter: a timer needs a free pool thread to fire, which a busy
        // process may not give it for a while, and the budget must hold at every trial boundary regardless.
        bool Stopping()
        {
            if (_timeBudget is { } limit && clock.Elapsed >= limit) budget.Cancel();
            return budget.IsCancellationRequested;
        }
        string worker = WorkerId.New();
        int runHere = 0;
        string stoppedBy = "trials";
        TrialRecord? best = null;
        while (true)
        {
            if (Stopping()) { stoppedBy = cancellation.IsCancellationRequested ? "cancelled" : "time"; break; }
            TrialRecord? trial;
            try { trial = store.Claim(_study, worker, _maxTrials, _heartbeatTimeout, (id, trials) => Propose(space.Space, space.Canonical, tunerOptions, repair, id, trials)); }
            catch (SearchSpaceExhaustedException e) { _monitor.ReportMessage(e.Message); stoppedBy = "exhausted"; break; }
            if (trial is null)
            {
                var all = store.Trials(_study);
                if (all.All(t => t.IsComplete)) break;
                // Other workers still run the last trials; one of them may die, and its trial then comes back to us.
                _monitor.ReportMessage($"waiting for {all.Count(t => !t.IsComplete)} trial(s) of other workers");
                if (budget.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Clamp(_heartbeatTimeout.TotalSeconds / 4, 0.2, 5)))) continue;
                continue;
            }
            _monitor.ReportRunningTrial(trial);
            RunTrial(store, trialRunner, trial, worker, budget.Token);
            if (Stopping()) { stoppedBy = cancellation.IsCancellationRequested ? "cancelled" : "time"; break; }
            runHere++;
            var done = store.Trials(_study).First(t => t.Id == trial.Id);
            if (done.Status == TrialStatus.Failed) _monitor.ReportFailedTrial(done, done.Error ?? "failed");
            else _monitor.ReportCompletedTrial(done);
            var nowBest = Best(store.Trials(_study));
            if (nowBest is not null && nowBest.Id != best?.Id) { best = nowBest; _monitor.ReportBestTrial(nowBest); }
        }

        var final = store.Trials(_study);
        var bestTrial = Best(final);
        var front = Front(final);
        CompressionPlan? bestPlan = bestTrial is null ? null : space.Plan(bestTrial.Parameters);
        var report = new List<ReportSplitScores>();
        if (!cancellation.IsCancellationRequested)
        {
            _monitor.ReportProgress("report split", 0, 1);
            report.AddRange(ReportSplit(data, space, runner, bestPlan, limit));
        }
        return new ExperimentResult
        {
            Study = _study, Storage = store.Describe, Tuner = _tuner, Trials = final, Best = bestTrial, ParetoFront = front,
            BestPlan = bestPlan, Space = space, Runner = runner, Sensitivity = table, Report = report, SearchedLimit = limit, DenseSearchedBytes = denseSearched,
            WallSeconds = clock.Elapsed.TotalSeconds, TrialsRunHere = runHere, StoppedBy = stoppedBy,
        };
    }

    /// <summary>Runs one claimed trial with a heartbeat, and stores how it ended (a failure is stored with its error; the search goes on).</summary>
    private void RunTrial(IStudyStore store, ITrialRunner runner, TrialRecord trial, string worker, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var beat = new Timer(_ => { try { store.Heartbeat(_study, trial.Id, worker); } catch (Exception) { /* the next beat retries; expiry is the safety net */ } },
            null, TimeSpan.FromSeconds(_heartbeatTimeout.TotalSeconds / 4), TimeSpan.FromSeconds(_heartbeatTimeout.TotalSeconds / 4));
        var rungs = new List<TrialMetrics>();
        bool ReportRung(TrialMetrics m)
        {
            rungs.Add(m);
            if (!store.ReportRungs(_study, trial.Id, worker, TrialMetrics.ListToJson(rungs))) return false;
            if (m.Rung == _fidelity.Count - 1) return true;
            var others = store.Trials(_study).Where(t => t.Id != trial.Id)
                .SelectMany(t => TrialMetrics.ListFromJson(t.Rungs)).Where(r => r.Rung == m.Rung).Select(r => r.Loss).ToList();
            return _fidelity.Promote(m.Loss, others);
        }
        TrialOutcome outcome;
        try
        {
            outcome = runner.Run(new TrialContext { TrialId = trial.Id, Parameters = trial.Parameters, ReportRung = ReportRung }, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped by the time budget or the caller: the trial goes back to the queue, and the next run (or another
            // worker) reruns it at once.
            store.Release(_study, trial.Id, worker);
            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            outcome = new TrialOutcome(TrialStatus.Failed, null, $"{e.GetType().Name}: {e.Message}");
        }
        store.Complete(_study, trial.Id, worker, outcome.Status, outcome.Metrics?.ToJson(), outcome.Error, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The tuner's proposal for trial <paramref name="id"/>: a fresh tuner replays every complete trial in id order (so
    /// every worker and every resumed run agree), then proposes until the point is not one the study already has.
    /// </summary>
    private Parameters Propose(SearchSpace space, Func<Parameters, Parameters> canonical, TunerOptions options, BudgetRepair? repair, int id, IReadOnlyList<TrialRecord> trials)
    {
        var tuner = TunerCatalog.Create(_tuner, space, options, "--tuner");
        foreach (var t in trials.Where(t => t.IsComplete).OrderBy(t => t.Id)) tuner.Update(ToResult(t));
        var seen = trials.Select(t => t.Parameters.Hash()).ToHashSet(StringComparer.Ordinal);
        for (int attempt = 0; attempt < 64; attempt++)
        {
            var p = tuner.Propose(new TrialSettings(id, attempt));
            if (repair is not null) p = repair.Repair(p);
            p = canonical(p);
            if (!seen.Contains(p.Hash())) return p;
        }
        // The tuner keeps returning known points (a small or converged space): fall back to deterministic random points.
        var rng = new Random(unchecked(_seed * 7919 + id * 104729));
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            var p = canonical(space.Sample(rng));
            if (!seen.Contains(p.Hash())) return p;
        }
        throw new SearchSpaceExhaustedException($"the search space has no untried plan left after {trials.Count} trials; the study stops here.");
    }

    /// <summary>A stored trial as tuners see it; a failed trial has a loss above every infeasible one.</summary>
    public static TrialResult ToResult(TrialRecord t)
    {
        var m = t.Metrics is { } json ? TrialMetrics.FromJson(json) : null;
        return new TrialResult
        {
            TrialId = t.Id, Parameters = t.Parameters, Loss = m?.Loss ?? 1e3, Objectives = m?.Objectives ?? [1, 1, 100],
            ConstraintViolation = m?.Violation ?? 1e3, CostSeconds = t.DurationSeconds ?? 0, Succeeded = t.Status != TrialStatus.Failed && m is not null,
        };
    }

    /// <summary>The feasible trial measured on the whole search split with the least loss (ties: the earlier trial).</summary>
    private TrialRecord? Best(IReadOnlyList<TrialRecord> trials)
        => FullyMeasured(trials).Where(x => x.M.Feasible).OrderBy(x => x.M.Loss).ThenBy(x => x.T.Id).Select(x => x.T).FirstOrDefault();

    private IReadOnlyList<TrialRecord> Front(IReadOnlyList<TrialRecord> trials)
    {
        var full = FullyMeasured(trials).ToList();
        var idx = Nsga2Tuner.ParetoFront(full.Select(x => x.M.Objectives).ToList(), full.Select(x => x.M.Violation).ToList());
        return idx.Select(i => full[i].T).OrderBy(t => ExperimentResult.MetricsOf(t)!.SizeFraction).ToList();
    }

    private IEnumerable<(TrialRecord T, TrialMetrics M)> FullyMeasured(IReadOnlyList<TrialRecord> trials)
        => trials.Where(t => t.Status == TrialStatus.Finished && t.Metrics is not null)
            .Select(t => (T: t, M: TrialMetrics.FromJson(t.Metrics!)))
            .Where(x => x.M.Evaluated && x.M.Rung == _fidelity.Count - 1);

    /// <summary>Sensitivity-guided starts: the knapsack allocation for each quantizer of the space (with a budget), or for a ladder of budgets (without).</summary>
    private static IEnumerable<Parameters> Starts(SensitivityAnalysis analysis, SensitivityTable table, CompressionSpace space, long limit, long denseSearched)
    {
        var o = space.Options;
        var limits = limit != long.MaxValue ? [limit] : new[] { 0.5, 0.3, 0.2, 0.15, 0.1 }.Select(f => (long)(f * denseSearched)).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in limits)
            foreach (var q in o.Quantizers.Where(q => q != "dynamic-int8").DefaultIfEmpty(o.Quantizers[0]))
            {
                var global = new LayerSetting(0, o.Pruners.Contains("magnitude") ? "magnitude" : o.Pruners[0], null, q, o.GroupSizes[0]);
                if (analysis.Allocate(table, l, global) is { } p && seen.Add(p.Hash())) yield return p;
            }
        // Then, with a budget, the uniform plan with the most bits that fits, for each quantizer: the baselines a searched
        // plan must beat are in the study, so the best on the search split is never a plan a uniform one beats there.
        if (limit == long.MaxValue) yield break;
        foreach (var q in o.Quantizers)
        {
            var fitting = o.Bits.Where(b => b != "none").Select(b => int.Parse(b, CultureInfo.InvariantCulture))
                .Where(b => q != "dynamic-int8" || b == 8).OrderByDescending(b => b)
                .Select(b => space.Uniform(new LayerSetting(0, o.Pruners[0], b, q, o.GroupSizes[0])))
                .FirstOrDefault(p => space.Plan(p).SearchedBytes <= limit);
            if (fitting is not null && seen.Add(space.Canonical(fitting).Hash())) yield return space.Canonical(fitting);
        }
    }

    /// <summary>The dense model, the best plan and (when asked) the uniform plans that fit, on the report split.</summary>
    private IEnumerable<ReportSplitScores> ReportSplit(SearchDataset data, CompressionSpace space, CompressionTrialRunner runner, CompressionPlan? best, long limit)
    {
        var scorer = new ModelScorer(data);
        var dense = scorer.Score(data.Dense, SplitPart.Report, 1);
        long denseSearched = CompressionTrialRunner.DenseSearchedBytes(space);
        yield return ReportSplitScores.Of("dense", dense, null, denseSearched, data.Dense.StorageBytes(), 32.0 * denseSearched / (4.0 * space.SearchedParameters));
        var plans = new List<(string, CompressionPlan)>();
        if (best is not null) plans.Add(("best plan", best));
        if (_compareUniform) plans.AddRange(UniformPlans.Fitting(space, limit, data.Calibration is not null));
        foreach (var (name, plan) in plans)
        {
            var model = runner.Compress(plan);
            long searched = CompressionTrialRunner.SearchedBytes(space, model);
            yield return ReportSplitScores.Of(name, scorer.Score(model, SplitPart.Report, 1), dense, searched, model.StorageBytes(), 8.0 * searched / space.SearchedParameters);
        }
    }

    /// <summary>An impossible budget is a one-line error naming the smallest plan the space allows.</summary>
    private static void CheckBudget(CompressionSpace space, SearchObjective objective, long limit, long fixedBytes)
    {
        if (objective.SizeBudget is not { } b) return;
        var o = space.Options;
        var candidates = new List<LayerSetting>();
        foreach (var bits in o.Bits)
            foreach (var q in o.Quantizers)
                foreach (var g in o.GroupSizes)
                {
                    int? k = bits == "none" ? null : int.Parse(bits, CultureInfo.InvariantCulture);
                    string quant = q == "dynamic-int8" && k is < 8 ? "rtn" : q;
                    candidates.Add(new LayerSetting(0, o.Pruners[0], k, quant, g));
                    if (k is null) foreach (var p in o.Pruners) candidates.Add(new LayerSetting(p == "nm" ? 0.5 : o.MaxSparsity, p, null, quant, g));
                }
        long smallest = space.Layers.Values.Sum(l => candidates.Min(c => LayerBytes.Of(l, c)));
        if (smallest > limit)
            throw new ArgumentException($"--size-budget: {b} allows {Math.Max(0, limit)} bytes for the searched layers, below the smallest plan of this search space " +
                $"({smallest} bytes, {8.0 * smallest / space.SearchedParameters:0.00} bits/weight; the whole model would be {smallest + fixedBytes} bytes).");
    }

    /// <summary>What a resumed study must match: the space, and the model with the objective, data and fidelities.</summary>
    private StudyDefinition Definition(SearchDataset data, CompressionSpace space, SearchObjective objective)
    {
        // The model by content (SHA-256 of config.json and the weight files, as compressed manifests record a source), so
        // a retrained model of the same shape is another model; a model built in memory is known by its size only.
        var model = new StringBuilder();
        if (Directory.Exists(data.ModelPath) || File.Exists(data.ModelPath))
        {
            try { model.Append(CheckpointFingerprint.Compute(data.ModelPath).Sha256); }
            catch (CheckpointException) { /* a form the fingerprint does not know: the dense size below is all there is */ }
        }
        model.Append("|dense_bytes=").Append(data.Dense.StorageBytes());
        string settings = $"objective={objective.Knowledge},{objective.BiasReference},{objective.SizeBudget},{objective.MaxKnowledgeDrop},{objective.MaxBiasShift},{objective.MaxLatencyMs};" +
            $"fidelity={string.Join(",", _fidelity.Fractions.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}/{_fidelity.Eta};split={data.Options.Split.SearchFraction};" +
            $"lama={(data.Options.LamaDir is { } lama ? Path.GetFullPath(lama) : "")};crows={data.Options.CrowsFile};stereoset={string.Join(",", data.Options.StereoSetFiles)};seed={_seed}" +
            // Only when given, so the studies of LAMA-only searches keep the settings they were stored with. The texts by
            // content too (an edited file at the same path is other data), and how vectors are made: the model hash covers
            // config.json and the weights, not a sentence-transformers folder's pooling, Dense and Normalize modules.
            (data.Options.EmbeddingTextFile is { } texts && data.Encoder?.Settings is { } e
                ? $";embedding_text={Path.GetFullPath(texts)}#{TextsHash(data.EmbeddingTexts)};pooling={string.Join("+", e.Pooling.Modes)}/{e.Pooling.IncludePrompt}" +
                  $"/dense={e.Dense.Count}/normalize={e.Normalize}/max_seq={e.MaxSeqLength}/lower={e.DoLowerCase}"
                : "");
        string modelHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(model + "#" + settings)))[..16].ToLowerInvariant();
        string json = $"{{\"model\": {System.Text.Json.JsonSerializer.Serialize(Path.GetFullPath(data.ModelPath))}, \"settings\": {System.Text.Json.JsonSerializer.Serialize(settings)}, \"space\": {space.Space.ToJson()}}}";
        return new StudyDefinition(_study, space.Space.Hash(), modelHash, json);
    }

    /// <summary>The first 16 hex digits of SHA-256 over the texts, one per line.</summary>
    private static string TextsHash(IReadOnlyList<string> texts)
        => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", texts))))[..16].ToLowerInvariant();

    /// <summary>True when every parameter of <paramref name="p"/> lies in the (possibly user-narrowed) space.</summary>
    private static bool IsInside(SearchSpace space, Parameters p)
    {
        try { space.Check(p, "start"); return true; }
        catch (ArgumentException) { return false; }
    }

    private sealed class SilentMonitor : ISearchMonitor;
}

/// <summary>The space has no untried point left.</summary>
public sealed class SearchSpaceExhaustedException(string message) : Exception(message);
