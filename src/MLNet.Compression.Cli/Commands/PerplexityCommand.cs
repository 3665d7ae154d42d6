using System.CommandLine;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Evaluation;
using MLNet.Compression.Evaluation.Perplexity;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress perplexity --model DIR --text FILE [--base DIR] [--max-length N] [--stride N] [--out FILE.json]`:
/// sliding-window perplexity of a causal LM and, with --base, the KL divergence of its next-token distributions from the base model's.
/// </summary>
public static class PerplexityCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Causal LM folder.", Required = true };
        var text = new Option<string>("--text") { Description = "UTF-8 text file to score.", Required = true };
        var baseModel = new Option<string?>("--base") { Description = "Base (uncompressed) model folder: also report KL(base || model) per token." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per window (default: the model's maximum positions, or 1024)." };
        var stride = new Option<int?>("--stride") { Description = "Tokens between window starts (default: the max length, no overlap)." };
        var output = new Option<string?>("--out", "-o") { Description = "Write the result with every window as JSON here." };
        var cmd = new Command("perplexity", "Perplexity of a causal LM over a text file (sliding window), and KL divergence from a base model.")
            { model, text, baseModel, maxLength, stride, output };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(text)!, r.GetValue(baseModel), r.GetValue(maxLength), r.GetValue(stride), r.GetValue(output))));
        return cmd;
    }

    private static int Run(string modelDir, string textPath, string? baseDir, int? maxLength, int? stride, string? outPath)
    {
        if (!File.Exists(textPath)) throw new EvaluationDataException(textPath, null, "text file not found.");
        string content = File.ReadAllText(textPath);
        if (content.Length == 0) throw new EvaluationDataException(textPath, null, "the text file is empty.");
        // Refuse an unrelated file before scoring, which can take long; the write checks again.
        if (outPath is not null) OutputFile.CheckReplaceable(outPath, OutputKind, PerplexityJson.IsEarlierOutput);
        var m = ModelLoader.Load(modelDir);
        if (m.Kind != ModelKind.CausalLM) throw new UsageException($"{modelDir}: perplexity needs a causal LM; this is a {m.ModelType} ({m.Kind}).");
        var ids = AutoTokenizer.FromFolder(modelDir).EncodeToIds(content).ToArray();
        if (ids.Length < 2) throw new EvaluationDataException(textPath, null, $"the text encodes to {ids.Length} token(s); at least 2 are needed.");
        var options = new PerplexityEvaluator.Options { MaxLength = maxLength, Stride = stride };
        if (maxLength is < 2) throw new UsageException("--max-length must be at least 2.");
        int windowLength = maxLength ?? m.MaxPositions ?? 1024;
        if (stride is int s && (s < 1 || s > windowLength)) throw new UsageException($"--stride must be between 1 and the max length {windowLength}.");
        var perplexity = new PerplexityEvaluator(m, options);
        // The base model must be a causal LM with the same vocabulary: the evaluator checks what the user gave.
        var divergence = baseDir is null ? null : UserInput.Check(() => new KlDivergenceEvaluator(ModelLoader.Load(baseDir), m, options));
        PerplexityResult? ppl = null;
        KlDivergenceResult? kl = null;
        AnsiConsole.Status().Start("scoring", _ =>
        {
            ppl = perplexity.Evaluate(ids);
            kl = divergence?.Evaluate(ids);
        });
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("tokens scored", ppl!.NTokens.ToString());
        table.AddRow("windows", ppl.Windows.Count.ToString());
        table.AddRow("perplexity", ppl.Perplexity.ToString("G6"));
        table.AddRow("mean NLL (nats)", ppl.MeanNll.ToString("F5"));
        table.AddRow("perplexity (mean of window means)", ppl.WindowMeanPerplexity.ToString("G6"));
        if (kl is not null)
        {
            table.AddRow("KL(base || model), mean nats", kl.MeanKl.ToString("G6"));
            table.AddRow("KL max", kl.MaxKl.ToString("G6"));
            table.AddRow("top-1 agreement with base", kl.Top1Agreement.ToString("F4"));
        }
        AnsiConsole.Write(table);
        if (outPath is not null)
        {
            OutputFile.Write(outPath, OutputKind, PerplexityJson.IsEarlierOutput,
                () => AtomicFile.Write(outPath, stream => PerplexityJson.Write(stream, modelDir, textPath, ppl, baseDir, kl)));
            Console.WriteLine($"wrote {outPath}");
        }
        return 0;
    }

    private const string OutputKind = "perplexity JSON";
}
