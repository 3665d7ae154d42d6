using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress bias --model DIR [--crows FILE] [--stereoset FILE|DIR] [--seat DIR] [--out FILE.json]`: CrowS-Pairs,
/// StereoSet and SEAT with progress bars, a table per metric at the end, and every per-item score in the JSON.
/// </summary>
public static class BiasCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json, weights, tokenizer files).", Required = true };
        var crows = new Option<string>("--crows") { Description = "CrowS-Pairs CSV (crows_pairs_anonymized.csv)." };
        var variant = new Option<string>("--crows-variant") { Description = "original (metric.py, masked LMs), bias-bench (masked differing tokens) or autoregressive (decoders); default by model kind." };
        var stereoset = new Option<string>("--stereoset") { Description = "StereoSet JSON (dev.json shape), one CSV, or a folder with the intra/intersentence CSVs." };
        var seat = new Option<string>("--seat") { Description = "Folder of SEAT .jsonl tests, or one test file." };
        var seatTests = new Option<string>("--seat-tests") { Description = "Comma-separated SEAT test names to run (default: all in --seat)." };
        var samples = new Option<int>("--seat-samples") { Description = "Permutation samples for SEAT p-values (exact test when there are fewer partitions).", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampled SEAT permutation test.", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per forward pass.", DefaultValueFactory = _ => 32 };
        var skip = new Option<bool>("--skip-bad-lines") { Description = "Skip malformed data lines (counted in the output) instead of stopping at the first." };
        var output = new Option<string>("--out", "-o") { Description = "Write every score as JSON to this file." };
        var cmd = new Command("bias", "Measure social bias: CrowS-Pairs, StereoSet, SEAT.") { model, crows, variant, stereoset, seat, seatTests, samples, seed, batch, skip, output };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(crows), r.GetValue(variant), r.GetValue(stereoset), r.GetValue(seat), r.GetValue(seatTests),
                                                   r.GetValue(samples), r.GetValue(seed), r.GetValue(batch), r.GetValue(skip), r.GetValue(output))));
        return cmd;
    }

    private static int Run(string modelPath, string? crowsPath, string? variantName, string? stereoPath, string? seatPath, string? seatNames,
                           int samples, int seed, int batch, bool skip, string? outPath)
    {
        if (crowsPath is null && stereoPath is null && seatPath is null) throw new UsageException("give at least one of --crows, --stereoset, --seat.");
        if (batch < 1) throw new UsageException("--batch-size must be at least 1.");
        if (samples < 1) throw new UsageException("--seat-samples must be at least 1.");
        CrowsPairsVariant? variant = variantName switch
        {
            null => null,
            "original" => CrowsPairsVariant.Original,
            "bias-bench" => CrowsPairsVariant.MaskedDiff,
            "autoregressive" => CrowsPairsVariant.Autoregressive,
            _ => throw new UsageException($"--crows-variant \"{variantName}\" is not one of original, bias-bench, autoregressive."),
        };
        // Read every data file and check the output before the model, so bad input fails fast.
        if (outPath is not null) OutputFile.CheckReplaceable(outPath, OutputKind, IsEarlierOutput);
        var crowsData = crowsPath is null ? null : CrowsPairsData.Load(crowsPath, skip);
        var stereoData = stereoPath is null ? null : UserInput.Check(() => StereoSetData.Load(stereoPath, skip));
        var seatData = seatPath is null ? null : LoadSeat(seatPath, seatNames);
        // A sentence-transformers folder or a bare encoder is a sentence encoder: SEAT encodes with its own pooling.
        SentenceEncoder? sentenceEncoder = Directory.Exists(modelPath) && SentenceTransformerConfig.IsSentenceTransformerFolder(modelPath)
            ? UserInput.Check(() => SentenceEncoder.Load(modelPath)) : null;
        var model = sentenceEncoder?.Model ?? ModelLoader.Load(modelPath);
        var tokenizer = sentenceEncoder?.Tokenizer ?? AutoTokenizer.FromFolder(modelPath);
        if (model.Kind == ModelKind.Encoder)
        {
            if (crowsData is not null || stereoData is not null)
                throw new UsageException($"--crows, --stereoset: {modelPath} is a bare encoder (no masked-LM head); CrowS-Pairs and StereoSet score sentences with a masked or causal LM. SEAT works (--seat).");
            sentenceEncoder ??= new SentenceEncoder(model, tokenizer);
        }
        if (model.Kind == ModelKind.Seq2SeqLM && (crowsData is not null || stereoData is not null))
            throw new UsageException($"CrowS-Pairs and StereoSet are scored for masked and causal LMs; {model.ModelType} is a seq2seq model (SEAT works).");
        // The evaluator refuses a variant that does not fit the model; --crows-variant is the user's choice, so check it here.
        if (crowsData is not null && variant is CrowsPairsVariant chosen)
        {
            bool masked = chosen != CrowsPairsVariant.Autoregressive;
            if (masked && model.Kind != ModelKind.MaskedLM)
                throw new UsageException($"the {chosen} CrowS-Pairs variant needs a masked LM; {model.ModelType} is {model.Kind} (use autoregressive).");
            if (!masked && model.Kind != ModelKind.CausalLM)
                throw new UsageException($"the autoregressive CrowS-Pairs variant needs a causal LM; {model.ModelType} is {model.Kind}.");
        }

        CrowsPairsResult? crows = null;
        StereoSetResult? stereo = null;
        var seatResults = seatData is null ? null : new List<SeatResult>();
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                Action<int, int> Track(string name)
                {
                    var task = ctx.AddTask(name);
                    return (done, total) => { task.MaxValue = total; task.Value = done; };
                }
                if (crowsData is not null)
                    crows = new CrowsPairsEvaluator(new CrowsPairsEvaluator.Options { Variant = variant, BatchSize = batch, Progress = Track("CrowS-Pairs") }).Evaluate(model, tokenizer, crowsData);
                if (stereoData is not null)
                    stereo = new StereoSetEvaluator(new StereoSetEvaluator.Options { BatchSize = batch, Progress = Track("StereoSet") }).Evaluate(model, tokenizer, stereoData);
                if (seatData is not null)
                    foreach (var t in seatData)
                    {
                        var track = Track("SEAT " + CliErrors.Escape(t.Name));
                        var evaluator = new SeatEvaluator(new SeatEvaluator.Options { Samples = samples, Seed = seed, Progress = track });
                        seatResults!.Add(sentenceEncoder is null ? evaluator.Evaluate(model, tokenizer, t)
                            : evaluator.Evaluate(sentences => sentenceEncoder.Encode(sentences, track).Select(v => v.Select(x => (double)x).ToArray()).ToArray(), t));
                    }
            });

        if (crows is not null) BiasTables.ShowCrows(crows);
        if (stereo is not null) BiasTables.ShowStereoSet(stereo);
        if (seatResults is not null) BiasTables.ShowSeat(seatResults);
        if (crows is not null || stereo is not null) AnsiConsole.WriteLine(BiasTables.HowToRead);
        if (outPath is not null)
        {
            OutputFile.Write(outPath, OutputKind, IsEarlierOutput, () => BiasReport.Write(outPath, Path.GetFullPath(modelPath), crows, stereo, seatResults));
            AnsiConsole.MarkupLine($"wrote [bold]{CliErrors.Escape(outPath)}[/]");
        }
        return 0;
    }

    private const string OutputKind = "bias JSON";

    /// <summary>A bias JSON names the model and holds at least one of the three benchmarks.</summary>
    private static bool IsEarlierOutput(string path)
        => EarlierOutput.IsJsonObject(path, root => root.TryGetProperty("model", out _)
                                                    && new[] { "crows", "stereoset", "seat" }.Any(b => root.TryGetProperty(b, out _)));

    private static List<SeatTest> LoadSeat(string path, string? names)
    {
        if (File.Exists(path)) return [SeatTest.Load(path)];
        if (!Directory.Exists(path)) throw new UsageException($"{path}: SEAT folder not found.");
        var files = Directory.GetFiles(path, "*.jsonl").OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (names is not null)
        {
            var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            files = wanted.Select(n => files.FirstOrDefault(f => Path.GetFileNameWithoutExtension(f) == n)
                ?? throw new UsageException($"--seat-tests: no test \"{n}\" in {path} (expected a .jsonl file of that name).")).ToList();
        }
        if (files.Count == 0) throw new UsageException($"{path}: no SEAT .jsonl tests found.");
        return files.Select(SeatTest.Load).ToList();
    }
}
