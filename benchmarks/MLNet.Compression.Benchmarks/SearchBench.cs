using System.Diagnostics;
using System.Globalization;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Sensitivity;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Study;
using MLNet.Compression.Synthetic;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// The search against uniform plans and tuners against random: `-- search [--seeds 1,2,3] [--budget 3bits] [--trials 40]
/// [--tuner-trials 30] [--tuner-seeds 1,2,3] [--tuners random,cfo,tpe,nsga2] [--people N --zipf s --steps N] [--quick]
/// [--bias-bound B] [--out DIR]`.
/// For each world seed it builds the demo's world and masked LM (Synthetic/DemoSettings), then on the report split
/// (facts the search never measured) prints the dense model, every uniform plan that fits the budget, the
/// sensitivity-guided allocation alone, and the CFO search's best plan, each P@1 with its 95% interval. On the first world
/// it then runs every tuner at equal trials from several seeds, without and with the sensitivity start, and prints the
/// best search-split loss they reach. The tables of docs/BENCHMARKS.md "Search".
/// </summary>
public static class SearchBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        var seeds = Ints(Value(args, "--seeds") ?? "1,2,3");
        var tunerSeeds = Ints(Value(args, "--tuner-seeds") ?? "1,2,3");
        var tuners = (Value(args, "--tuners") ?? "random,cfo,tpe,nsga2").Split(',', StringSplitOptions.RemoveEmptyEntries);
        string budgetText = Value(args, "--budget") ?? "3bits";
        int trials = int.Parse(Value(args, "--trials") ?? "40", Inv), tunerTrials = int.Parse(Value(args, "--tuner-trials") ?? "30", Inv);
        bool quick = args.Contains("--quick");
        string root = Value(args, "--out") ?? Path.Combine(Path.GetTempPath(), "mlnet-search-bench");
        var budget = SizeBudget.Parse(budgetText, "--budget");
        var objective = new SearchObjective { SizeBudget = budget };

        if (Value(args, "--bias-bound") is { } boundText)
        {
            BiasBound(root, seeds, budget, double.Parse(boundText, Inv), trials, quick, args);
            return;
        }
        var summary = new List<string>();
        SensitivityTable? firstTable = null;
        (string Model, SearchDataOptions Data)? first = null;
        foreach (int seed in seeds)
        {
            var clock = Stopwatch.StartNew();
            var (model, data) = Prepare(root, seed, quick, args);
            first ??= (model, data);
            Console.WriteLine($"world {seed}: trained in {clock.Elapsed.TotalSeconds:F0} s");

            // The sensitivity-guided allocation alone: trial 0 of any search is the knapsack start.
            var start = Search(model, data, objective, "cfo", 1, seed, Path.Combine(root, $"seed-{seed}", "start.db"), compareUniform: true, table: null);
            firstTable ??= start.Sensitivity;
            var searched = Search(model, data, objective, "cfo", trials, seed, Path.Combine(root, $"seed-{seed}", "cfo.db"), compareUniform: false, table: start.Sensitivity);
            double trialsPerMinute = searched.TrialsRunHere / (searched.WallSeconds / 60);

            var dense = start.Report.First(r => r.Name == "dense");
            var uniform = start.Report.Where(r => r.Name.StartsWith("uniform", StringComparison.Ordinal)).OrderByDescending(r => r.Retained!.Value).ToList();
            var knapsack = start.Report.FirstOrDefault(r => r.Name == "best plan");
            var best = searched.Report.FirstOrDefault(r => r.Name == "best plan");
            Console.WriteLine($"| plan (world {seed}, budget {budget}) | bits/weight | facts kept, report split [95% CI] | LAMA P@1, report split [95% CI] | p vs dense |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (var r in new[] { dense }.Concat(uniform).Append(knapsack).Append(best))
                if (r is not null) Console.WriteLine($"| {(ReferenceEquals(r, knapsack) ? "sensitivity + knapsack" : ReferenceEquals(r, best) ? $"searched (cfo, {trials} trials)" : r.Name)} | {r.BitsPerWeight:0.00} | {(r.Retained is { } k ? Est(k) : "1")} | {Est(r.PAt1!)} | {r.PAt1!.PVsBase?.ToString("0.000", Inv) ?? ""} |");
            var top = uniform.FirstOrDefault();
            string Paired(ReportSplitScores? plan)
            {
                if (top is null || plan is null) return "no uniform plan fits";
                var (d, test) = ReportSplitScores.CompareKept(top, plan);
                return $"{d.Estimate:+0.000;-0.000} [{d.Low:+0.000;-0.000}, {d.High:+0.000;-0.000}], p = {test.PValue:0.000} ({test.Gained} facts gained, {test.Lost} lost)";
            }
            string margin = Paired(best);
            Console.WriteLine($"knapsack − best uniform: {Paired(knapsack)}; searched − best uniform: {margin}; marginal half-widths: uniform {(top is null ? 0 : (top.Retained!.CiHigh - top.Retained.CiLow) / 2):0.000}, searched {(best is null ? 0 : (best.Retained!.CiHigh - best.Retained.CiLow) / 2):0.000}");
            summary.Add($"| {seed} | {Math.Round(dense.PAt1!.Value * dense.NFacts)} of {dense.NFacts} | {(top is null ? "none fits" : $"{top.Name}: {Est(top.Retained!)}")} | {(knapsack is null ? "-" : Est(knapsack.Retained!))} | {(best is null ? "-" : Est(best.Retained!))} | {margin} | {trialsPerMinute:0.0} |");
            Console.WriteLine($"world {seed}: {clock.Elapsed.TotalSeconds:F0} s, {trialsPerMinute:0.0} trials/min");
        }
        Console.WriteLine();
        Console.WriteLine($"| world seed | facts dense knows (report split) | facts kept: best uniform plan that fits {budget} | sensitivity + knapsack | searched (cfo, {trials} trials) | facts kept: searched − best uniform, paired [95% CI] | trials/min |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var s in summary) Console.WriteLine(s);

        if (first is not { } f || tuners.Length == 0) return;
        Console.WriteLine();
        Console.WriteLine($"| tuner | start | best search-split loss after {tunerTrials} trials, mean ± sd over seeds {string.Join(",", tunerSeeds)} | facts kept by the best on the report split, mean |");
        Console.WriteLine("|---|---|---|---|");
        foreach (bool withStart in new[] { false, true })
            foreach (var tuner in tuners)
            {
                var losses = new List<double>();
                var reports = new List<double>();
                foreach (int ts in tunerSeeds)
                {
                    var r = Search(f.Model, f.Data, objective, tuner, tunerTrials, ts, Path.Combine(root, "tuners", $"{tuner}-{ts}-{withStart}.db"), false, withStart ? firstTable : null, sensitivity: withStart);
                    losses.Add(r.Best is { } b ? ExperimentResult.MetricsOf(b)!.Loss : double.NaN);
                    if (r.Report.FirstOrDefault(x => x.Name == "best plan") is { Retained: { } kept }) reports.Add(kept.Value);
                }
                double mean = losses.Average(), sd = Math.Sqrt(losses.Select(l => (l - mean) * (l - mean)).Sum() / Math.Max(1, losses.Count - 1));
                Console.WriteLine($"| {tuner} | {(withStart ? "sensitivity" : "none")} | {mean:0.0000} ± {sd:0.0000} | {(reports.Count == 0 ? "-" : reports.Average().ToString("0.000", Inv))} |");
            }
    }

    /// <summary>
    /// `--bias-bound B`: per world, a CFO search with the bias bound; the chosen plan's bias shift on the search split (what
    /// the bound was checked on) and on the report split (never seen), CrowS-Pairs and StereoSet SS against dense.
    /// </summary>
    private static void BiasBound(string root, int[] seeds, SizeBudget budget, double bound, int trials, bool quick, string[] args)
    {
        Console.WriteLine($"| world seed | bound | fully measured trials over the bound | best: search-split shift (95% upper bound) | report split: CrowS dense → best | SS dense → best | report-split shift |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (int seed in seeds)
        {
            var (model, data) = Prepare(root, seed, quick, args);
            var r = Search(model, data, new SearchObjective { SizeBudget = budget, MaxBiasShift = bound }, "cfo", trials, seed,
                Path.Combine(root, $"seed-{seed}", $"bias-{bound}.db"), compareUniform: false, table: null);
            int broken = r.Trials.Select(ExperimentResult.MetricsOf).Count(m => m is { Evaluated: true, Rung: 2 } && (m.BiasShiftUpper ?? m.BiasShift) > bound);
            var dense = r.Report.First(x => x.Name == "dense");
            var best = r.Report.FirstOrDefault(x => x.Name == "best plan");
            var bm = r.Best is { } b ? ExperimentResult.MetricsOf(b) : null;
            string searchShift = bm is null ? "no feasible plan" : $"{bm.BiasShift:0.0} (upper {bm.BiasShiftUpper:0.0})";
            string Pair(StudyEstimate? d, StudyEstimate? c) => d is null || c is null ? "-" : $"{Est(d, "0.0")} → {Est(c, "0.0")}";
            double? reportShift = best is null ? null : Math.Max(Math.Abs((best.Crows?.Value ?? 0) - (dense.Crows?.Value ?? 0)), Math.Abs((best.Ss?.Value ?? 0) - (dense.Ss?.Value ?? 0)));
            Console.WriteLine($"| {seed} | {bound} | {broken} of {r.Trials.Count} | {searchShift} | {Pair(dense.Crows, best?.Crows)} | {Pair(dense.Ss, best?.Ss)} | {reportShift?.ToString("0.0", Inv) ?? "-"} |");
        }
    }

    private static ExperimentResult Search(string model, SearchDataOptions data, SearchObjective objective, string tuner, int trials, int seed, string db,
        bool compareUniform, SensitivityTable? table, bool sensitivity = true)
    {
        if (File.Exists(db)) File.Delete(db);
        var e = new CompressionContext(seed).Auto().CreateExperiment()
            .SetModel(model).SetData(data).SetObjective(objective).SetTuner(tuner).SetStorage("sqlite:" + db).SetStudy("bench")
            .SetMaxTrials(trials).SetSensitivityStart(sensitivity).SetCompareUniform(compareUniform);
        if (table is not null) e.SetSensitivityTable(table);
        return e.RunAsync().GetAwaiter().GetResult();
    }

    /// <summary>The demo's world of <paramref name="seed"/> and its masked LM (cached by the trainer's stamp).</summary>
    private static (string Model, SearchDataOptions Data) Prepare(string root, int seed, bool quick, string[] args)
    {
        var settings = quick ? DemoSettings.Quick(new WorldOptions().BiasSkew, []) : DemoSettings.Full(new WorldOptions().BiasSkew, []);
        // --people, --zipf and --steps make a world whose model knows more facts than the demo's, for tighter intervals.
        if (Value(args, "--people") is { } people) settings = settings with { World = settings.World with { People = int.Parse(people, Inv) } };
        if (Value(args, "--zipf") is { } zipf) settings = settings with { World = settings.World with { ZipfExponent = double.Parse(zipf, Inv) } };
        if (Value(args, "--steps") is { } steps) settings = settings with { MaskedLm = settings.MaskedLm with { Steps = int.Parse(steps, Inv) } };
        string dir = Path.Combine(root, $"seed-{seed}"), world = Path.Combine(dir, "world");
        Directory.CreateDirectory(dir);
        // Writing the world again gives the same files, so the trainer's stamp still matches and training is skipped.
        WorldWriter.Write(KnowledgeWorld.Generate(settings.World with { Seed = seed }), world);
        string mlm = WorldModelTrainer.Train(world, Path.Combine(dir, "masked-lm"), ModelArchitecture.Bert, settings.MaskedLm with { Seed = seed }).Folder;
        return (mlm, new SearchDataOptions
        {
            LamaDir = Path.Combine(world, "lama"), CrowsFile = Path.Combine(world, "crows_pairs.csv"),
            StereoSetFiles = [Path.Combine(world, "stereoset", "intrasentence.csv")], CalibrationFile = Path.Combine(world, HeldOutText.FileName),
        });
    }

    private static string Est(StudyEstimate e, string format = "0.000") => $"{e.Value.ToString(format, Inv)} [{e.CiLow.ToString(format, Inv)}, {e.CiHigh.ToString(format, Inv)}]";
    private static int[] Ints(string s) => s.Split(',').Select(x => int.Parse(x, Inv)).ToArray();

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
