using System.Text.Json;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>Finds ../shared (or $MLNET_SHARED) and loads the tokenizer oracles made with transformers 4.36.2.</summary>
internal static class TokenizerFixtures
{
    private static readonly Lazy<string> SharedRoot = new(FindShared);

    public static string Shared => SharedRoot.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Shared, .. parts]);

    private static string FindShared()
    {
        var env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        if (dir is null) throw new DirectoryNotFoundException("MLNetCompression.sln not found above " + AppContext.BaseDirectory);
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared"));
    }

    public static JsonDocument Json(params string[] parts) => JsonDocument.Parse(File.ReadAllText(Path(parts)));

    public static List<int> Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToList();

    public static List<string> Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToList();

    /// <summary>(folder, case index) for every case of the small-vocabulary fixtures.</summary>
    public static IEnumerable<object[]> SmallCases(string folder)
    {
        using var doc = Json("fixtures", "tokenizers", folder, "cases.json");
        int n = doc.RootElement.GetProperty("cases").GetArrayLength();
        for (int i = 0; i < n; i++) yield return [folder, i];
    }

    /// <summary>(tokenizer name, case index) for every real-vocabulary case.</summary>
    public static IEnumerable<object[]> RealCases(string name)
    {
        using var doc = Json("fixtures", "tokenizers", "real_cases.json");
        int n = doc.RootElement.GetProperty("texts").GetArrayLength();
        for (int i = 0; i < n; i++) yield return [name, i];
    }

    private static readonly Dictionary<string, Tokenizer> Cache = new();

    public static Tokenizer Real(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var t)) return t;
            return Cache[name] = LoadReal(name);
        }
    }

    /// <summary>A new, uncached instance of a real vocabulary's tokenizer.</summary>
    public static Tokenizer LoadReal(string name)
    {
        string dir = Path("data", "tokenizers", name);
        return name switch
        {
            "bert-base-uncased" => BertTokenizer.FromVocabFile(System.IO.Path.Combine(dir, "vocab.txt")),
            "bert-base-cased" => BertTokenizer.FromVocabFile(System.IO.Path.Combine(dir, "vocab.txt"), new BertTokenizer.Options { DoLowerCase = false }),
            "gpt2" => Gpt2Tokenizer.FromFiles(System.IO.Path.Combine(dir, "vocab.json"), System.IO.Path.Combine(dir, "merges.txt")),
            "roberta-base" => Gpt2Tokenizer.FromFiles(System.IO.Path.Combine(dir, "vocab.json"), System.IO.Path.Combine(dir, "merges.txt"), Gpt2Tokenizer.Options.Roberta),
            "t5" => T5Tokenizer.FromFile(System.IO.Path.Combine(dir, "spiece.model")),
            _ => throw new ArgumentException(name),
        };
    }

    public static Tokenizer Small(string folder)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue("small/" + folder, out var t)) return t;
            t = AutoTokenizer.FromFolder(Path("fixtures", "tokenizers", folder));
            Cache["small/" + folder] = t;
            return t;
        }
    }
}
