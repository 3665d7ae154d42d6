using System.CommandLine;
using System.Globalization;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Reporting;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.AutoSearch.Tuners;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.IO;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress search --model DIR (--lama DIR | --embedding-text FILE) [--crows FILE] [--stereoset FILE] [--size-budget 0.25|3bits|50MB]
/// [--max-knowledge-drop 0.02] [--max-bias-shift 3] [--tuner cfo] [--trials N] [--time S] [--storage URL] [--study NAME] -o OUT`:
/// searches per-layer sparsity and bit-width (docs/AUTOSEARCH.md). The same command again resumes the study; several
/// processes with one PostgreSQL --storage share it. OUT gets best.recipe.json (runnable with `compress`), best-model/,
/// results.json and report.html.
/// </summary>
public static class SearchCommand
{
    /// <summary>The study file in OUT when --storage is not given.</summary>
    public const string DefaultStoreFile = "study.db";

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to compress.", Required = true };
        var lama = new Option<string>("--lama") { Description = "LAMA folder (relations.jsonl + facts); for a causal LM, its next-token form. Needs a masked or causal LM head." };
        var embeddingText = new Option<string>("--embedding-text") { Description = "Texts, one per line: plans keep their sentence vectors close to dense's (--knowledge cosine; the way to search a bare encoder or sentence-transformers model)." };
        var crows = new Option<string>("--crows") { Description = "CrowS-Pairs CSV: bias kept within --max-bias-shift." };
        var stereo = new Option<string[]>("--stereoset") { Description = "StereoSet file(s) (CSV or JSON).", AllowMultipleArgumentsPerToken = true };
        var calibration = new Option<string>("--calibration") { Description = "Calibration text, one sample per line: enables wanda, sparsegpt and gptq." };
        var budget = new Option<string>("--size-budget") { Description = "Size bound: a fraction of the searched layers' dense size (0.25), bits per weight (3bits), or bytes of the whole model (50MB)." };
        var maxDrop = new Option<double?>("--max-knowledge-drop") { Description = "Largest knowledge loss from dense allowed (a fraction, e.g. 0.02: of the facts dense knows, of P@1, or 1 − embedding cosine)." };
        var maxShift = new Option<double?>("--max-bias-shift") { Description = "Largest bias shift allowed, in score points (CrowS-Pairs and StereoSet SS)." };
        var maxLatency = new Option<double?>("--max-latency-ms") { Description = "Largest forward latency allowed (median of three forwards of a 4 × 32-token batch on this machine), in ms." };
        var biasRef = new Option<string>("--bias-reference") { Description = "Shift from the dense model's score (base) or growth of the distance from 50 (neutral).", DefaultValueFactory = _ => "base" };
        var knowledge = new Option<string>("--knowledge") { Description = "Knowledge kept: retained (share of the facts dense knows that the plan keeps; the default with --lama), p@1, mrr, kl (causal LMs with --calibration), or cosine (mean cosine of sentence vectors to dense on --embedding-text; the default without --lama)." };
        var tuner = new Option<string>("--tuner") { Description = $"Tuner: {string.Join(", ", TunerCatalog.Names)}.", DefaultValueFactory = _ => "cfo" };
        var trials = new Option<int>("--trials") { Description = "Trials in the study (all workers together).", DefaultValueFactory = _ => 30 };
        var time = new Option<double?>("--time") { Description = "Stop this worker after this many seconds (a later run resumes)." };
        var storage = new Option<string>("--storage") { Description = $"sqlite:FILE (default OUT/{DefaultStoreFile}) or postgres://user:pass@host:port/db for many workers." };
        var study = new Option<string>("--study") { Description = "Study name in the store.", DefaultValueFactory = _ => "search" };
        var resume = new Option<bool>("--resume") { Description = "Continue an existing study (the same command without it resumes too, but --resume refuses to start a new one)." };
        var granularity = new Option<string>("--granularity") { Description = "layer (a setting per linear layer) or block (per block × attention/ffn).", DefaultValueFactory = _ => "layer" };
        var bits = new Option<string>("--bits") { Description = "Bit-widths searched, from none,16,8,4,3,2.", DefaultValueFactory = _ => "none,16,8,4,3,2" };
        var pruners = new Option<string>("--pruners") { Description = "Pruners searched, from magnitude,wanda,sparsegpt,nm.", DefaultValueFactory = _ => "magnitude,wanda,sparsegpt,nm" };
        var quantizers = new Option<string>("--quantizers") { Description = "Quantizers searched, from rtn,gptq,dynamic-int8.", DefaultValueFactory = _ => "rtn,gptq,dynamic-int8" };
        var groupSizes = new Option<string>("--group-sizes") { Description = "Group sizes of rtn and gptq (-1: one per row).", DefaultValueFactory = _ => "128" };
        var maxSparsity = new Option<double>("--max-sparsity") { Description = "Highest sparsity searched.", DefaultValueFactory = _ => 0.95 };
        var space = new Option<string>("--space") { Description = "JSON search space whose parameters narrow or fix the built one by name (docs/AUTOSEARCH.md)." };
        var fidelities = new Option<string>("--fidelities") { Description = "Shares of the search split per ASHA rung, e.g. 0.11,0.33,1, or 'full' for one rung.", DefaultValueFactory = _ => "0.111,0.333,1" };
        var noSensitivity = new Option<bool>("--no-sensitivity") { Description = "Skip the layer-sensitivity pass and the knapsack start." };
        var compareUniform = new Option<bool>("--compare-uniform") { Description = "Also measure the uniform plans that fit the budget on the report split." };
        var seed = new Option<int>("--seed") { Description = "Seed of the tuner and of random choices in compression.", DefaultValueFactory = _ => 1 };
        var heartbeat = new Option<double>("--heartbeat-timeout") { Description = "Seconds after which a silent worker's trial goes to another worker.", DefaultValueFactory = _ => 60 };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the study file, best.recipe.json, best-model/, results.json and report.html.", Required = true };
        var cmd = new Command("search", "Search per-layer sparsity and bit-width for the smallest or best model that keeps knowledge and bias inside your bounds; resumable, and shared by many workers through PostgreSQL.")
        {
            model, lama, embeddingText, crows, stereo, calibration, budget, maxDrop, maxShift, maxLatency, biasRef, knowledge, tuner, trials, time, storage, study, resume,
            granularity, bits, pruners, quantizers, groupSizes, maxSparsity, space, fidelities, noSensitivity, compareUniform, seed, heartbeat, output,
        };
        cmd.SetAction(r => CliErrors.Run(() =>
        {
            string outDir = r.GetValue(output)!;
            CheckOutput(outDir);
            if (r.GetValue(lama) is null && r.GetValue(embeddingText) is null)
                throw new UsageException("--lama, --embedding-text: give at least one (LAMA facts need a masked or causal LM; a bare encoder is searched on its sentence vectors).");
            if (r.GetValue(embeddingText) is { } et && !File.Exists(et)) throw new UsageException($"--embedding-text: {et}: file not found.");
            var objective = new SearchObjective
            {
                Knowledge = r.GetValue(knowledge) switch
                {
                    null => null, // chosen by the data: retained with --lama, cosine with only --embedding-text
                    "retained" => KnowledgeMetric.Retained, "p@1" or "P@1" => KnowledgeMetric.PAt1, "mrr" => KnowledgeMetric.Mrr, "kl" => KnowledgeMetric.Kl,
                    "cosine" => KnowledgeMetric.EmbeddingCosine,
                    var k => throw new UsageException($"--knowledge: \"{k}\" (expected retained, p@1, mrr, kl or cosine)."),
                },
                BiasReference = r.GetValue(biasRef) switch
                {
                    "base" => BiasReference.Base, "neutral" => BiasReference.Neutral,
                    var other => throw new UsageException($"--bias-reference: \"{other}\" (expected base or neutral)."),
                },
                SizeBudget = r.GetValue(budget) is { } b ? UserInput.Check(() => SizeBudget.Parse(b, "--size-budget")) : null,
                MaxKnowledgeDrop = r.GetValue(maxDrop),
                MaxBiasShift = r.GetValue(maxShift),
                MaxLatencyMs = r.GetValue(maxLatency),
            };
            var spaceOptions = new CompressionSpaceOptions
            {
                Granularity = r.GetValue(granularity) switch
                {
                    "layer" => PlanGranularity.Layer, "block" => PlanGranularity.BlockGroup,
                    var g => throw new UsageException($"--granularity: \"{g}\" (expected layer or block)."),
                },
                Bits = Known("--bits", "bit-width", r.GetValue(bits)!, CompressionSpace.KnownBits),
                Pruners = Known("--pruners", "pruner", r.GetValue(pruners)!, CompressionSpace.KnownPruners),
                Quantizers = Known("--quantizers", "quantizer", r.GetValue(quantizers)!, CompressionSpace.KnownQuantizers),
                GroupSizes = List(r.GetValue(groupSizes)!).Select(g => int.TryParse(g, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int x) && (x == -1 || (x > 0 && x % 32 == 0)) ? x
                    : throw new UsageException($"--group-sizes: \"{g}\" (expected multiples of 32, or -1 for one group per row).")).ToList(),
                MaxSparsity = r.GetValue(maxSparsity),
            };
            SearchSpace? narrowing = r.GetValue(space) is { } spaceFile ? UserInput.Check(() => SearchSpace.FromJson(File.ReadAllText(spaceFile), spaceFile)) : null;
            string storageUrl = r.GetValue(storage) ?? "sqlite:" + Path.Combine(Path.GetFullPath(outDir), DefaultStoreFile);
            var experiment = new CompressionContext(r.GetValue(seed)).Auto().CreateExperiment()
                .SetModel(r.GetValue(model)!)
                .SetData(new SearchDataOptions
                {
                    LamaDir = r.GetValue(lama), EmbeddingTextFile = r.GetValue(embeddingText), CrowsFile = r.GetValue(crows), StereoSetFiles = r.GetValue(stereo) ?? [], CalibrationFile = r.GetValue(calibration),
                })
                .SetSearchSpace(spaceOptions, narrowing is null ? null : s => Narrow(s, narrowing, r.GetValue(space)!))
                .SetObjective(objective)
                .SetTuner(r.GetValue(tuner)!)
                .SetStorage(storageUrl)
                .SetStudy(r.GetValue(study)!)
                .SetMaxTrials(r.GetValue(trials))
                .SetFidelity(ParseFidelities(r.GetValue(fidelities)!))
                .SetSensitivityStart(!r.GetValue(noSensitivity))
                .SetCompareUniform(r.GetValue(compareUniform))
                .SetHeartbeatTimeout(TimeSpan.FromSeconds(r.GetValue(heartbeat) is var h && h > 0 ? h : throw new UsageException($"--heartbeat-timeout: {h} (expected seconds > 0).")));
            if (r.GetValue(time) is double t) experiment.SetTimeBudget(t > 0 ? TimeSpan.FromSeconds(t) : throw new UsageException($"--time: {t} (expected seconds > 0)."));
            AnsiConsole.MarkupLine($"search: [blue]{Markup.Escape(r.GetValue(model)!)}[/], study [blue]{Markup.Escape(r.GetValue(study)!)}[/] in {Markup.Escape(StudyStores.Describe(storageUrl))}, tuner {Markup.Escape(r.GetValue(tuner)!)}, {r.GetValue(trials)} trials");
            Execute(experiment, outDir, r.GetValue(resume));
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// Runs a configured experiment as `search` does — checks, the live table, Ctrl+C stops after the current step (the
    /// same command resumes), the summary — and writes the outputs into <paramref name="outDir"/>. The demo's search uses it too.
    /// </summary>
    public static ExperimentResult Execute(CompressionExperiment experiment, string outDir, bool resume = false)
    {
        var console = new SearchConsole();
        experiment.SetMonitor(console);
        using var prepared = Prepare(experiment, resume);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); Console.Error.WriteLine("stopping after this trial's step; run the same command to resume."); };
        Console.CancelKeyPress += onCancel;
        ExperimentResult result;
        try { result = console.Show(() => experiment.Run(prepared, cancel.Token)); }
        finally { Console.CancelKeyPress -= onCancel; }
        SearchSummary.Show(result);
        Write(result, outDir);
        return result;
    }

    /// <summary>Prepares the search, turning the store's and the study's refusals into one-line usage errors.</summary>
    private static PreparedSearch Prepare(CompressionExperiment experiment, bool resume)
    {
        try { return UserInput.Check(() => experiment.Prepare(mustExist: resume)); }
        catch (StudyMismatchException e) { throw new UsageException(e.Message, e); }
        catch (StoreUnavailableException e) { throw new UsageException(e.Message, e); }
    }

    /// <summary>Writes best.recipe.json, best-model/, results.json and report.html into <paramref name="outDir"/>.</summary>
    private static void Write(ExperimentResult result, string outDir)
    {
        Directory.CreateDirectory(outDir);
        OutputFile.ReportWriteErrors(() =>
        {
            if (result.BestPlan is { } plan && result.Runner is { } runner)
            {
                RecipeJson.Write(runner.RecipeOf(plan), Path.Combine(outDir, "best.recipe.json"));
                if (runner.Fit(plan) is { } fitted)
                    fitted.Save(Path.Combine(outDir, "best-model"), new CompressedModel.SaveOptions { Source = runner.ModelPath });
            }
            ExperimentResultJson.Write(result, Path.Combine(outDir, "results.json"));
            SearchReportPage.Write(result, Path.Combine(outDir, "report.html"));
        });
        AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(outDir)}[/]: {(result.BestPlan is null ? "" : "best.recipe.json, best-model/, ")}results.json, report.html");
    }

    /// <summary>OUT must be new, empty, or an earlier search's output.</summary>
    public static void CheckOutput(string outDir)
    {
        if (File.Exists(outDir)) throw new UsageException($"-o: {outDir} is a file; the output must be a folder.");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any()
            && !File.Exists(Path.Combine(outDir, DefaultStoreFile)) && !File.Exists(Path.Combine(outDir, "results.json")))
            throw new UsageException($"-o: {outDir} exists and is not an earlier search's output (no {DefaultStoreFile} or results.json); choose a new folder or empty this one.");
    }

    private static List<string> List(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>The comma list of <paramref name="option"/>, each value one of <paramref name="known"/>; otherwise one line naming the option, before the model loads.</summary>
    private static List<string> Known(string option, string what, string text, string[] known)
    {
        var list = List(text);
        if (list.Count == 0) throw new UsageException($"{option}: no value given (known: {string.Join(", ", known)}).");
        foreach (var v in list)
            if (!known.Contains(v, StringComparer.Ordinal)) throw new UsageException($"{option}: unknown {what} \"{v}\" (known: {string.Join(", ", known)}).");
        return list;
    }

    private static FidelitySchedule ParseFidelities(string text)
    {
        if (text == "full") return FidelitySchedule.Full;
        var list = new List<double>();
        foreach (var part in List(text))
            list.Add(double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) ? f
                : throw new UsageException($"--fidelities: \"{part}\" is not a number (expected shares such as 0.11,0.33,1, or full)."));
        return new FidelitySchedule(list);
    }

    /// <summary>Replaces the built space's dimensions by the same-named ones of <paramref name="narrowing"/>; an unknown name is an error.</summary>
    private static void Narrow(SearchSpace built, SearchSpace narrowing, string file)
    {
        foreach (var d in narrowing)
        {
            if (!built.Contains(d.Name)) throw new ArgumentException($"{file}: parameter '{d.Name}' is not in this model's search space (parameters look like '{built.Dimensions[0].Name}', 'pruner', 'quantizer', 'group_size').");
            if (built[d.Name].GetType() != d.GetType()) throw new ArgumentException($"{file}: parameter '{d.Name}' must be a {(built[d.Name] is AutoSearch.Space.Range ? "range" : "choice")}.");
            built[d.Name] = d;
        }
    }
}
