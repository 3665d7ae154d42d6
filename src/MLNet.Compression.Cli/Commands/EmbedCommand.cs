using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNet.Compression.Cli.Output;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using Spectre.Console;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress embed --model DIR --input FILE.jsonl|FILE.txt -o OUT.jsonl|OUT.safetensors [--field text]
/// [--pooling mean,cls] [--normalize | --no-normalize] [--max-seq-length N] [--batch-size N]`: one sentence vector per input
/// text, made as sentence-transformers makes them (<see cref="SentenceEncoder"/>): a sentence-transformers folder's own
/// pooling, Dense and Normalize modules, or mean pooling for any other model folder (bare encoders, masked LMs, compressed
/// folders). JSONL output has one {"index", "embedding"} object per line, in input order; safetensors output holds
/// "embeddings" [texts, dimension].
/// </summary>
public static class EmbedCommand
{
    private const string Producer = "mlnet-compress embed";

    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder: a sentence-transformers folder, a Hugging Face encoder or masked LM, or a compressed folder.", Required = true };
        var input = new Option<string>("--input", "-i") { Description = "Texts: JSONL with one object per line (the --field holds the text), or plain text with one text per line.", Required = true };
        var field = new Option<string>("--field") { Description = "The JSONL field holding the text.", DefaultValueFactory = _ => "text" };
        var output = new Option<string>("--output", "-o") { Description = "Output file: .jsonl (one vector per line) or .safetensors (\"embeddings\" [texts, dimension]).", Required = true };
        var pooling = new Option<string>("--pooling") { Description = "Pooling modes, comma-separated and concatenated: mean, cls, max, mean-sqrt-len, weighted-mean, last (default: the folder's, or mean).", HelpName = "MODES" };
        var normalize = new Option<bool>("--normalize") { Description = "Scale every vector to unit length (default: as the folder's Normalize module says)." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Do not scale vectors, even if the folder has a Normalize module." };
        var maxLength = new Option<int?>("--max-seq-length") { Description = "Tokens per text, special tokens included (default: sentence_bert_config.json's, or the model's limit).", HelpName = "N" };
        var batch = new Option<int>("--batch-size") { Description = "Texts per forward pass.", DefaultValueFactory = _ => 32 };
        var cmd = new Command("embed", "Write one sentence vector per input text, pooled as sentence-transformers pools them.")
        {
            model, input, field, output, pooling, normalize, noNormalize, maxLength, batch,
        };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(model)!, r.GetValue(input)!, r.GetValue(field)!, r.GetValue(output)!, r.GetValue(pooling),
            r.GetValue(normalize), r.GetValue(noNormalize), r.GetValue(maxLength), r.GetValue(batch))));
        return cmd;
    }

    private static int Run(string modelPath, string inputPath, string field, string outPath, string? pooling, bool normalize, bool noNormalize, int? maxLength, int batch)
    {
        if (normalize && noNormalize) throw new UsageException("--normalize, --no-normalize: give at most one of them.");
        if (batch < 1) throw new UsageException($"--batch-size: {batch} (expected a positive number of texts).");
        if (maxLength is < 1) throw new UsageException($"--max-seq-length: {maxLength} (expected a positive number of tokens).");
        var modes = pooling is null ? null : UserInput.Check(() => pooling.Split(',').Select(m => Pooling.ParseMode(m.Trim(), "--pooling")).ToList());
        bool safetensors = outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (!safetensors && !outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output: {outPath} (expected a .jsonl or .safetensors file name).");
        OutputFile.CheckReplaceable(outPath, "embed output", IsEarlierOutput);
        if (!Directory.Exists(modelPath)) throw new UsageException($"--model: {modelPath}: folder not found (expected a model folder with its tokenizer).");
        var texts = ReadTexts(inputPath, field);

        var encoder = UserInput.Check(() => SentenceEncoder.Load(modelPath, o => o with
        {
            Pooling = modes is null ? o.Pooling : new Pooling(modes, o.Pooling.IncludePrompt),
            Normalize = normalize || (!noNormalize && o.Normalize),
            MaxSeqLength = maxLength ?? o.MaxSeqLength,
            BatchSize = batch,
        }));
        var s = encoder.Settings;
        Console.WriteLine($"model: {encoder.Model.ModelType} ({encoder.Model.Kind}); pooling {string.Join("+", s.Pooling.Modes)}{(s.Dense.Count > 0 ? $", {s.Dense.Count} Dense" : "")}{(s.Normalize ? ", normalised" : "")}; dimension {encoder.Dimension}");
        float[][] vectors = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn()).Start(ctx =>
        {
            var task = ctx.AddTask("embedding", maxValue: texts.Count);
            vectors = encoder.Encode(texts, (done, _) => task.Value = done);
        });

        OutputFile.Write(outPath, "embed output", IsEarlierOutput, () =>
        {
            if (safetensors)
            {
                var flat = new float[vectors.Length * encoder.Dimension];
                for (int i = 0; i < vectors.Length; i++) vectors[i].CopyTo(flat, i * encoder.Dimension);
                new SafeTensorsWriter().AddMetadata("producer", Producer).AddMetadata("model", Path.GetFullPath(modelPath))
                    .AddMetadata("pooling", string.Join(",", s.Pooling.Modes)).AddMetadata("normalize", s.Normalize ? "true" : "false")
                    .Add("embeddings", flat, vectors.Length, encoder.Dimension).Save(outPath);
            }
            else
            {
                var text = new StringBuilder();
                for (int i = 0; i < vectors.Length; i++)
                    text.Append("{\"index\":").Append(i.ToString(CultureInfo.InvariantCulture)).Append(",\"embedding\":")
                        .Append(JsonSerializer.Serialize(vectors[i])).Append("}\n");
                AtomicFile.WriteAllText(outPath, text.ToString());
            }
        });
        Console.WriteLine($"wrote {outPath}: {vectors.Length:N0} vectors of {encoder.Dimension}");
        return 0;
    }

    /// <summary>The texts of a JSONL file (the --field of each line's object) or of a plain text file (each non-empty line).</summary>
    private static List<string> ReadTexts(string path, string field)
    {
        if (!File.Exists(path)) throw new UsageException($"--input: {path}: file not found (expected JSONL with a \"{field}\" field per line, or one text per line).");
        var texts = new List<string>();
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (!jsonl)
            {
                texts.Add(line);
                continue;
            }
            JsonElement root;
            try { root = JsonDocument.Parse(line).RootElement; }
            catch (JsonException e) { throw new UsageException($"--input: {path}: line {n}: not valid JSON ({e.Message})."); }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(field, out var t) || t.ValueKind != JsonValueKind.String)
                throw new UsageException($"--input: {path}: line {n}: expected an object with a string field \"{field}\" (choose the field with --field).");
            texts.Add(t.GetString()!);
        }
        if (texts.Count == 0) throw new UsageException($"--input: {path} has no text.");
        return texts;
    }

    private static bool IsEarlierOutput(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return EarlierOutput.IsSafeTensorsFrom(path, Producer);
        using var reader = new StreamReader(path);
        string? first = reader.ReadLine();
        if (first is null) return true;
        try
        {
            using var doc = JsonDocument.Parse(first);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("index", out _) && doc.RootElement.TryGetProperty("embedding", out _);
        }
        catch (JsonException) { return false; }
    }
}
