using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Tokens per second for every tokenizer over all CrowS-Pairs sentences (sent_more + sent_less) and StereoSet dev
/// sentences (intrasentence prompts with each choice filled in, intersentence contexts and choices), one thread.
/// Run: <c>dotnet run -c Release --project benchmarks/MLNet.Compression.Benchmarks -- tokenizers [--repeat N] [--rounds N] [--compare]</c>.
/// "cold" is the first pass over a freshly loaded tokenizer (GPT-2's BPE cache empty), "warm" the best of N later passes;
/// then <see cref="TokenizerComparison"/> sets them beside Microsoft.ML.Tokenizers' and Hugging Face's Rust tokenizers
/// (<c>--compare</c> runs only that).
/// </summary>
public static class TokenizerThroughput
{
    public static void Run(string[] args)
    {
        int repeat = 5, rounds = 7;
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--repeat") repeat = int.Parse(args[i + 1]);
            if (args[i] == "--rounds") rounds = int.Parse(args[i + 1]);
        }
        string shared = FindShared();
        var sentences = LoadSentences(shared);
        if (!args.Contains("--compare")) Throughput(shared, sentences, repeat);
        TokenizerComparison.Run(shared, sentences, rounds);
    }

    private static void Throughput(string shared, List<string> sentences, int repeat)
    {
        long chars = sentences.Sum(s => (long)s.Length);
        Console.WriteLine($"{sentences.Count} sentences ({chars} chars): CrowS-Pairs sent_more+sent_less, StereoSet intra+inter dev; 1 thread, {repeat} warm passes");
        Console.WriteLine($"{"tokenizer",-22} {"tokens",9} {"load ms",8} {"cold tok/s",12} {"warm tok/s",12} {"warm sent/s",12}");
        var loaders = new (string Name, Func<Tokenizer> Load)[]
        {
            ("bert-base-uncased", () => AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "bert-base-uncased"))),
            ("bert-base-cased", () => BertTokenizer.FromVocabFile(Path.Combine(shared, "data", "tokenizers", "bert-base-cased", "vocab.txt"), new BertTokenizer.Options { DoLowerCase = false })),
            ("gpt2", () => AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "gpt2"))),
            ("roberta-base", () => AutoTokenizer.FromFolder(Path.Combine(shared, "fixtures", "models", "roberta_tiny"))),
            ("t5 (spiece.model)", () => AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "t5"))),
            ("llama2.c tok512", () => AutoTokenizer.FromFolder(Path.Combine(shared, "data", "models", "aidreams260K"))),
        };
        foreach (var (name, load) in loaders)
        {
            var sw = Stopwatch.StartNew();
            var tok = load();
            double loadMs = sw.Elapsed.TotalMilliseconds;
            (long tokens, double seconds) Pass()
            {
                long n = 0;
                var t0 = Stopwatch.GetTimestamp();
                foreach (var s in sentences) n += tok.EncodeToIds(s).Count;
                return (n, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
            var (coldTokens, coldSeconds) = Pass();
            double best = double.MaxValue;
            for (int r = 0; r < repeat; r++) best = Math.Min(best, Pass().seconds);
            Console.WriteLine($"{name,-22} {coldTokens,9} {loadMs,8:F0} {coldTokens / coldSeconds,12:N0} {coldTokens / best,12:N0} {sentences.Count / best,12:N0}");
        }
    }

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        dir ??= new DirectoryInfo(Directory.GetCurrentDirectory());
        return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
    }

    /// <summary>The sentences the bias evaluators score.</summary>
    public static List<string> LoadSentences(string shared)
    {
        var list = new List<string>();
        var crows = ReadCsv(Path.Combine(shared, "data", "crows_pairs", "crows_pairs_anonymized.csv"));
        int more = crows[0].IndexOf("sent_more"), less = crows[0].IndexOf("sent_less");
        foreach (var row in crows.Skip(1)) { list.Add(row[more]); list.Add(row[less]); }
        var choice = new Regex(@"'((?:[^'\\]|\\.)*)'|""((?:[^""\\]|\\.)*)""");
        foreach (var file in Directory.GetFiles(Path.Combine(shared, "data", "stereoset"), "*.csv").Order())
        {
            var rows = ReadCsv(file);
            int prompt = rows[0].IndexOf("prompt"), choices = rows[0].IndexOf("choices");
            bool intra = Path.GetFileName(file).StartsWith("intra", StringComparison.Ordinal);
            foreach (var row in rows.Skip(1))
            {
                var options = choice.Matches(row[choices]).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();
                if (intra) list.AddRange(options.Select(o => row[prompt].Replace("BLANK", o, StringComparison.Ordinal)));
                else { list.Add(row[prompt]); list.AddRange(options); }
            }
        }
        return list;
    }

    /// <summary>RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines.</summary>
    private static List<List<string>> ReadCsv(string path)
    {
        string text = File.ReadAllText(path);
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                row.Add(field.ToString()); field.Clear();
                rows.Add(row); row = new List<string>();
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row); }
        return rows;
    }
}
