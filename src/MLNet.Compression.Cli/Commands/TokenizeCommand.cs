using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MLNet.Compression.Tokenization;
using EncodedToken = Microsoft.ML.Tokenizers.EncodedToken;

namespace MLNet.Compression.Cli;

/// <summary>
/// <c>mlnet-compress tokenize --tokenizer DIR (--text "…" | --input FILE.jsonl) [--no-special-tokens] [--json]</c>:
/// prints tokens and ids as the model's Hugging Face tokenizer makes them.
/// </summary>
public static class TokenizeCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var tokenizerOption = new Option<string>("--tokenizer") { Description = "Model or tokenizer folder (tokenizer.json, vocab.txt, vocab.json + merges.txt, spiece.model, tokenizer.model or tok512.bin).", Required = true };
        var textOption = new Option<string?>("--text") { Description = "Text to tokenize." };
        var inputOption = new Option<string?>("--input") { Description = "JSON-lines file, one {\"text\": \"…\"} per line; prints one JSON line per input, in order." };
        var noSpecialOption = new Option<bool>("--no-special-tokens") { Description = "Do not add the model's special tokens ([CLS] … [SEP], <s> … </s>, … </s>)." };
        var jsonOption = new Option<bool>("--json") { Description = "Print {\"ids\": [...], \"tokens\": [...]}." };

        var command = new Command("tokenize", "Turn text into the model's tokens and ids.");
        command.Options.Add(tokenizerOption);
        command.Options.Add(textOption);
        command.Options.Add(inputOption);
        command.Options.Add(noSpecialOption);
        command.Options.Add(jsonOption);
        command.SetAction(parseResult =>
        {
            string dir = parseResult.GetValue(tokenizerOption)!;
            string? text = parseResult.GetValue(textOption);
            string? input = parseResult.GetValue(inputOption);
            bool special = !parseResult.GetValue(noSpecialOption);
            bool json = parseResult.GetValue(jsonOption);
            return Run(dir, text, input, special, json, Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>Runs the command, writing to the given writers; returns the exit code.</summary>
    public static int Run(string dir, string? text, string? input, bool addSpecialTokens, bool json, TextWriter stdout, TextWriter stderr)
    {
        if ((text is null) == (input is null))
        {
            stderr.WriteLine("tokenize: give exactly one of --text or --input.");
            return CliErrors.UsageExitCode;
        }
        Tokenizer tokenizer;
        try { tokenizer = AutoTokenizer.FromFolder(dir); }
        catch (TokenizerLoadException e)
        {
            stderr.WriteLine("tokenize: " + e.Message);
            return CliErrors.UsageExitCode;
        }
        if (text is not null)
        {
            var tokens = tokenizer.EncodeToTokens(text, addSpecialTokens);
            if (json) stdout.WriteLine(ToJson(tokens));
            else
            {
                foreach (var t in tokens) stdout.WriteLine($"{t.Id}\t{Printable(t.Value)}");
                stdout.WriteLine($"ids: [{string.Join(", ", tokens.Select(t => t.Id))}]");
            }
            return 0;
        }
        if (!File.Exists(input)) { stderr.WriteLine($"tokenize: input file '{input}' does not exist."); return CliErrors.UsageExitCode; }
        int lineNo = 0;
        foreach (var line in File.ReadLines(input!))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string? t;
            try
            {
                using var doc = JsonDocument.Parse(line);
                t = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            }
            catch (JsonException) { t = null; }
            if (t is null) { stderr.WriteLine($"tokenize: {input} line {lineNo} is not a JSON object with a string \"text\"."); return CliErrors.UsageExitCode; }
            stdout.WriteLine(ToJson(tokenizer.EncodeToTokens(t, addSpecialTokens)));
        }
        return 0;
    }

    private static string ToJson(IReadOnlyList<EncodedToken> tokens) => JsonSerializer.Serialize(new
    {
        ids = tokens.Select(t => t.Id).ToArray(),
        tokens = tokens.Select(t => t.Value).ToArray(),
    }, JsonOptions);

    private static string Printable(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return sb.ToString();
    }
}
