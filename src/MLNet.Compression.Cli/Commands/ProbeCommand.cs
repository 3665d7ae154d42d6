using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Evaluation;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress probe --model DIR --lama DIR [--relations P19,P20] [--protocol lama|namburi2023] [--out FILE.json]`:
/// LAMA knowledge probing with a progress bar, a table per relation, and every fact in the JSON.
/// </summary>
public static class ProbeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json, weights, tokenizer files).", Required = true };
        var lama = new Option<string>("--lama") { Description = "LAMA data folder (TREx/ + relations.jsonl, Google_RE/, Squad/, ConceptNet/, TREx_original/).", Required = true };
        var relations = new Option<string?>("--relations") { Description = "Comma-separated relation ids to probe (e.g. P19,P20); default all." };
        var protocol = new Option<string>("--protocol") { Description = "lama (Petroni et al. 2019) or namburi2023 (The Cost of Compression).", DefaultValueFactory = _ => "lama" };
        var commonVocab = new Option<string?>("--common-vocab") { Description = "LAMA common vocabulary file (one word per line): restricts candidates and facts." };
        var skipBad = new Option<bool>("--skip-bad-lines") { Description = "Skip (and count) malformed data lines instead of stopping." };
        var batch = new Option<int>("--batch-size") { Description = "Sentences per forward pass.", DefaultValueFactory = _ => 32 };
        var output = new Option<string?>("--out", "-o") { Description = "Write every per-fact result as JSON here." };
        var cmd = new Command("probe", "Probe a model's factual knowledge with LAMA (P@1, P@10, MRR per relation).")
            { model, lama, relations, protocol, commonVocab, skipBad, batch, output };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(lama)!, r.GetValue(relations), r.GetValue(protocol)!,
                                                   r.GetValue(commonVocab), r.GetValue(skipBad), r.GetValue(batch), r.GetValue(output))));
        return cmd;
    }

    private static int Run(string modelDir, string lamaDir, string? relations, string protocolName, string? commonVocab, bool skipBad, int batch, string? outPath)
    {
        var protocol = protocolName.ToLowerInvariant() switch
        {
            "lama" => LamaProtocol.Lama,
            "namburi2023" => LamaProtocol.Namburi2023,
            _ => throw new UsageException($"--protocol: unknown protocol \"{protocolName}\" (expected lama or namburi2023)."),
        };
        if (batch < 1) throw new UsageException("--batch-size must be at least 1.");
        var wanted = relations?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (outPath is not null) OutputFile.CheckReplaceable(outPath, OutputKind, IsEarlierOutput);
        var subsets = UserInput.Check(() => LamaSubset.FromFolder(lamaDir, wanted));
        IReadOnlyCollection<string>? vocab = null;
        if (commonVocab is not null)
        {
            if (!File.Exists(commonVocab)) throw new EvaluationDataException(commonVocab, null, "common vocabulary file not found.");
            vocab = File.ReadAllLines(commonVocab).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            if (vocab.Count == 0) throw new EvaluationDataException(commonVocab, null, "the common vocabulary file is empty (expected one word per line).");
        }
        var m = ModelLoader.Load(modelDir);
        var tokenizer = AutoTokenizer.FromFolder(modelDir);
        // The probe refuses a tokenizer without a mask token and a vocabulary with no single-token word: both the user's input.
        var probe = UserInput.Check(() => new LamaProbe(m, tokenizer, new LamaProbe.Options { Protocol = protocol, CommonVocab = vocab, SkipBadLines = skipBad, BatchSize = batch }));
        var results = new List<LamaSubsetResult>();
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            foreach (var subset in subsets)
            {
                var rels = new List<LamaRelationResult>();
                foreach (var rel in subset.Relations)
                {
                    var task = ctx.AddTask(CliErrors.Escape($"{subset.Name}/{rel.Relation}"));
                    rels.Add(probe.Run(rel, (_, done, total) => { task.MaxValue = Math.Max(1, total); task.Value = done; }));
                    task.Value = task.MaxValue;
                }
                results.Add(new LamaSubsetResult(subset.Name, rels));
            }
        });
        LamaTables.Show(results, protocol);
        if (outPath is not null)
        {
            OutputFile.Write(outPath, OutputKind, IsEarlierOutput, () => LamaJson.Write(outPath, results, protocol, modelDir));
            Console.WriteLine($"wrote {outPath}");
        }
        return 0;
    }

    private const string OutputKind = "LAMA results JSON";

    /// <summary>A results file names its protocol and lists its subsets.</summary>
    private static bool IsEarlierOutput(string path) => EarlierOutput.IsJsonObjectWith(path, "protocol", "subsets");

}
