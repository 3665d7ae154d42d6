using System.Diagnostics;
using System.Text.Json;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// This project's tokenizers beside Microsoft.ML.Tokenizers 3.0.0's own and Hugging Face's Rust tokenizers
/// (Tokenizers.DotNet 1.4.1) on the same strings: how many of transformers' expected ids each reproduces (the 60
/// real-vocabulary cases of fixtures/tokenizers/real_cases.json, and the 41 cases of the small vocabulary of the same
/// kind under fixtures/tokenizers), and tokens per second over the CrowS-Pairs and StereoSet sentences. Speed is
/// measured in rounds that run every engine once, in an order rotated each round, after one warm-up pass; a rate is the
/// median over rounds, and "time ÷ ours" is the median over rounds of the engine's time over ours in the same round.
/// Run: <c>dotnet run -c Release --project benchmarks/MLNet.Compression.Benchmarks -- tokenizers --compare [--rounds N]</c>.
/// </summary>
internal static class TokenizerComparison
{
    /// <summary>One vocabulary: its engines on the real files, and on the small fixture vocabulary of its kind (null: none).</summary>
    private sealed record Vocabulary(string Name, string Kind, string? SmallFolder, Func<string, bool, List<TokenizerEngine>> Engines);

    public static void Run(string shared, List<string> sentences, int rounds)
    {
        string jsonDir = Directory.CreateTempSubdirectory("tokenizer-json-").FullName;
        try
        {
            Compare(shared, sentences, rounds, jsonDir);
        }
        finally
        {
            Directory.Delete(jsonDir, recursive: true);
        }
    }

    private static void Compare(string shared, List<string> sentences, int rounds, string jsonDir)
    {
        string Json(string name) => Path.Combine(jsonDir, name, "tokenizer.json");
        var vocabularies = new[]
        {
            new Vocabulary("bert-base-uncased", "WordPiece", "wordpiece_uncased", (dir, small) => WordPiece(dir, lowerCase: true, Json(Path.GetFileName(dir)))),
            new Vocabulary("bert-base-cased", "WordPiece", "wordpiece_cased", (dir, small) => WordPiece(dir, lowerCase: false, Json(Path.GetFileName(dir)))),
            new Vocabulary("gpt2", "byte-level BPE", "bpe_bytelevel", (dir, small) => ByteLevel(dir, roberta: false, tiktoken: !small, Json(Path.GetFileName(dir)))),
            new Vocabulary("roberta-base", "byte-level BPE", null, (dir, small) => ByteLevel(dir, roberta: true, tiktoken: false, Json(Path.GetFileName(dir)))),
            new Vocabulary("t5", "SentencePiece unigram", "unigram_t5", (dir, small) => Unigram(dir, small ? 4 : 100, Json(Path.GetFileName(dir)))),
        };

        using var realDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(shared, "fixtures", "tokenizers", "real_cases.json")));
        var realTexts = realDoc.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetProperty("text").GetString()!).ToList();
        long chars = sentences.Sum(s => (long)s.Length);
        Console.WriteLine();
        Console.WriteLine($"Side by side: {sentences.Count} sentences ({chars} chars), 1 thread, {rounds} rounds after a warm-up pass, engine order rotated each round.");
        Console.WriteLine("| vocabulary | tokenizer | = HF, 60 real cases | = HF, 41 small-vocabulary cases | load ms | tokens | tok/s (median) | time ÷ ours (median) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        var notes = new List<string>();
        foreach (var v in vocabularies)
        {
            var engines = v.Engines(Path.Combine(shared, "data", "tokenizers", v.Name), false);
            var smallEngines = v.SmallFolder is null ? null : v.Engines(Path.Combine(shared, "fixtures", "tokenizers", v.SmallFolder), true);
            try
            {
                var expected = realDoc.RootElement.GetProperty("tokenizers").GetProperty(v.Name).GetProperty("cases").EnumerateArray()
                    .Select(c => c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToList()).ToList();
                var smallCases = v.SmallFolder is null ? null : SmallCases(shared, v.SmallFolder);
                var loaded = engines.Where(e => e.Loaded).ToList();
                var timing = Time(loaded, sentences, rounds);
                long reference = timing.Tokens[0];
                foreach (var e in engines)
                {
                    if (!e.Loaded)
                    {
                        Console.WriteLine($"| {v.Name} | {e.Name} | fails to load | | {e.LoadMs:F0} | | | |");
                        notes.Add($"{v.Name}, {e.Name}: {e.Failure}");
                        continue;
                    }
                    var (real, realMisses) = Agreement(e, realTexts, expected);
                    string small = "—";
                    var se = smallEngines?.FirstOrDefault(s => s.Name == e.Name);
                    if (se is { Loaded: true } && smallCases is not null)
                    {
                        var (n, misses) = Agreement(se, smallCases.Select(c => c.Text).ToList(), smallCases.Select(c => c.Ids).ToList());
                        small = $"{n}/{smallCases.Count}";
                        if (misses.Count > 0) notes.Add($"{v.SmallFolder}, {e.Name}: differs on small cases {string.Join(", ", misses)}");
                    }
                    else if (se is { Loaded: false }) small = "fails to load";
                    if (realMisses.Count > 0) notes.Add($"{v.Name}, {e.Name}: differs on real cases {string.Join(", ", realMisses)}");
                    int k = loaded.IndexOf(e);
                    double median = Median(timing.Seconds[k]);
                    double ratio = Median(timing.Seconds[k].Zip(timing.Seconds[0], (a, b) => a / b).ToArray());
                    Console.WriteLine($"| {v.Name} | {e.Name} | {real}/{realTexts.Count} | {small} | {e.LoadMs:F0} | {timing.Tokens[k]:N0} | {reference / median / 1e6:F2} M | {ratio:F2} |");
                }
            }
            finally
            {
                foreach (var e in engines) e.Dispose();
                foreach (var e in smallEngines ?? []) e.Dispose();
            }
        }
        Console.WriteLine();
        Console.WriteLine("tok/s counts the tokens of our (transformers-exact) encoding for every engine of a vocabulary, so rates compare the same work.");
        foreach (var n in notes) Console.WriteLine("- " + n);
    }

    private static List<TokenizerEngine> WordPiece(string dir, bool lowerCase, string json)
    {
        string vocab = Path.Combine(dir, "vocab.txt");
        return
        [
            TokenizerEngine.Ours("BertTokenizer, vocab.txt", () => BertTokenizer.FromVocabFile(vocab, new BertTokenizer.Options { DoLowerCase = lowerCase })),
            TokenizerEngine.MlBert(vocab, lowerCase),
            TokenizerEngine.HuggingFaceRust(TokenizerJsonFiles.Bert(vocab, lowerCase, json)),
        ];
    }

    private static List<TokenizerEngine> ByteLevel(string dir, bool roberta, bool tiktoken, string json)
    {
        string vocab = Path.Combine(dir, "vocab.json"), merges = Path.Combine(dir, "merges.txt");
        var engines = new List<TokenizerEngine>
        {
            TokenizerEngine.Ours("Gpt2Tokenizer, vocab.json+merges.txt", () => Gpt2Tokenizer.FromFiles(vocab, merges, roberta ? Gpt2Tokenizer.Options.Roberta : null)),
        };
        if (tiktoken) engines.Add(TokenizerEngine.MlTiktokenGpt2());
        engines.Add(roberta
            ? TokenizerEngine.MlByteLevelBpe(vocab, merges, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"], bos: "<s>", eos: "</s>")
            : TokenizerEngine.MlByteLevelBpe(vocab, merges, ["<|endoftext|>"]));
        engines.Add(TokenizerEngine.HuggingFaceRust(TokenizerJsonFiles.ByteLevelBpe(vocab, merges, roberta, json)));
        return engines;
    }

    private static List<TokenizerEngine> Unigram(string dir, int extraIds, string json)
    {
        string spiece = Path.Combine(dir, "spiece.model");
        string converted = TokenizerJsonFiles.T5(spiece, extraIds, json);
        return
        [
            TokenizerEngine.Ours("T5Tokenizer, spiece.model", () => T5Tokenizer.FromFile(spiece, extraIds)),
            TokenizerEngine.MlSentencePieceModel(spiece),
            TokenizerEngine.MlSentencePieceJson(converted),
            TokenizerEngine.HuggingFaceRust(converted),
        ];
    }

    private static List<(string Text, List<int> Ids)> SmallCases(string shared, string folder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(shared, "fixtures", "tokenizers", folder, "cases.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => (c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToList())).ToList();
    }

    /// <summary>How many texts the engine encodes to exactly the expected ids, and the indices where it does not (or throws).</summary>
    private static (int Equal, List<int> Misses) Agreement(TokenizerEngine engine, List<string> texts, List<List<int>> expected)
    {
        var misses = new List<int>();
        for (int i = 0; i < texts.Count; i++)
        {
            bool same;
            try { same = engine.Encode(texts[i]).SequenceEqual(expected[i]); }
            catch (Exception) { same = false; }
            if (!same) misses.Add(i);
        }
        return (texts.Count - misses.Count, misses);
    }

    /// <summary>Seconds per pass of each engine in each round, and each engine's own token total.</summary>
    private static (double[][] Seconds, long[] Tokens) Time(List<TokenizerEngine> engines, List<string> sentences, int rounds)
    {
        var tokens = new long[engines.Count];
        var seconds = engines.Select(_ => new double[rounds]).ToArray();
        for (int k = 0; k < engines.Count; k++) tokens[k] = Pass(engines[k], sentences).Tokens;
        for (int r = 0; r < rounds; r++)
        {
            for (int j = 0; j < engines.Count; j++)
            {
                int k = (j + r) % engines.Count;
                seconds[k][r] = Pass(engines[k], sentences).Seconds;
            }
        }
        return (seconds, tokens);
    }

    private static (long Tokens, double Seconds) Pass(TokenizerEngine engine, List<string> sentences)
    {
        long n = 0;
        long t0 = Stopwatch.GetTimestamp();
        foreach (var s in sentences) n += engine.EncodeCount(s);
        return (n, Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }

    private static double Median(double[] xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
