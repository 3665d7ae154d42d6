using Microsoft.ML;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Tests;

/// <summary>The tiny BERT and GPT-2 fixtures (../shared/fixtures/models), loaded once, and small data views.</summary>
public static class Fixtures
{
    private static readonly Lazy<string> SharedRoot = new(() =>
    {
        string? env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        string candidate = Path.GetFullPath(Path.Combine(dir?.FullName ?? ".", "..", "shared"));
        return Directory.Exists(candidate) ? candidate : throw new DirectoryNotFoundException($"The shared fixtures folder was not found at {candidate}; set MLNET_SHARED.");
    });

    public static string Model(string name) => Path.Combine(SharedRoot.Value, "fixtures", "models", name);

    private static readonly Lazy<(LanguageModel, Tokenizer)> BertFixture = new(() => Load("bert_uncased_tiny"));
    private static readonly Lazy<(LanguageModel, Tokenizer)> Gpt2Fixture = new(() => Load("gpt2_tiny"));

    /// <summary>bert_uncased_tiny: a masked LM, hidden size 32, the real uncased WordPiece vocabulary.</summary>
    public static (LanguageModel Model, Tokenizer Tokenizer) Bert => BertFixture.Value;

    /// <summary>gpt2_tiny: a causal LM, hidden size 32, GPT-2's byte-level BPE.</summary>
    public static (LanguageModel Model, Tokenizer Tokenizer) Gpt2 => Gpt2Fixture.Value;

    public static (LanguageModel, Tokenizer) Load(string name) => (ModelLoader.Load(Model(name)), AutoTokenizer.FromFolder(Model(name)));

    public static readonly string[] Sentences =
    [
        "The capital of France is Paris.",
        "a short one",
        "Transformers read every token of a sentence at once, so long sentences cost more.",
        "",
        "Numbers like 42 and symbols like # appear too!",
    ];

    /// <summary>A small labelled set: praise is true, complaints are false.</summary>
    public static readonly LabelledText[] Labelled =
    [
        new("the film was wonderful and moving", true), new("a great and joyful evening", true), new("i loved the warm kind staff", true),
        new("brilliant acting and a lovely story", true), new("the best meal we have had", true), new("happy with this excellent phone", true),
        new("a delightful and charming book", true), new("superb music and great friends", true),
        new("the film was dull and far too long", false), new("a terrible and noisy evening", false), new("i hated the rude cold staff", false),
        new("awful acting and a boring story", false), new("the worst meal we have had", false), new("angry with this broken phone", false),
        new("a tedious and clumsy book", false), new("bad music and sad silence", false),
    ];

    public static IDataView Texts(MLContext ml, IEnumerable<string> texts) => ml.Data.LoadFromEnumerable(texts.Select(t => new TextOnly { Text = t }).ToList());
}

public sealed class TextOnly
{
    public string Text { get; set; } = "";
}

public sealed record LabelledText(string Text, bool Label);

public sealed class LabelledRow
{
    public string Text { get; set; } = "";
    public bool Label { get; set; }
}

/// <summary>A temporary folder removed when the test ends.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("mlnet-ml-tests-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
