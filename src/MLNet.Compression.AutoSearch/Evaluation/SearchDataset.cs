using MLNet.Compression.Embeddings;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// Everything a search reads once: the dense model, its tokenizer, the LAMA relations, the embedding texts with the dense
/// model's sentence vectors, the bias items and the calibration data. Every problem found here is the user's input and
/// is reported naming the file or option.
/// </summary>
public sealed class SearchDataset
{
    private SearchDataset(string modelPath, LanguageModel dense, Tokenizer tokenizer, SearchDataOptions options, IReadOnlyList<LamaSubset> lama,
        CrowsPairsData? crows, IReadOnlyList<StereoSetData> stereoSet, CalibrationData? calibration, IReadOnlyList<int>? calibrationIds,
        IReadOnlyList<string> texts, SentenceEncoder? encoder, float[][]? denseVectors)
    {
        EmbeddingTexts = texts;
        Encoder = encoder;
        DenseVectors = denseVectors;
        ModelPath = modelPath;
        Dense = dense;
        Tokenizer = tokenizer;
        Options = options;
        Lama = lama;
        Crows = crows;
        StereoSet = stereoSet;
        Calibration = calibration;
        CalibrationIds = calibrationIds;
    }

    public string ModelPath { get; }
    public LanguageModel Dense { get; }
    public Tokenizer Tokenizer { get; }
    public SearchDataOptions Options { get; }
    public IReadOnlyList<LamaSubset> Lama { get; }
    public CrowsPairsData? Crows { get; }
    public IReadOnlyList<StereoSetData> StereoSet { get; }
    /// <summary>Calibration batches for wanda, sparsegpt and gptq; null without calibration text.</summary>
    public CalibrationData? Calibration { get; }
    /// <summary>The calibration text as one token stream for the KL proxy (causal LMs only).</summary>
    public IReadOnlyList<int>? CalibrationIds { get; }

    /// <summary>The embedding texts (empty without <see cref="SearchDataOptions.EmbeddingTextFile"/>), in file order.</summary>
    public IReadOnlyList<string> EmbeddingTexts { get; }
    /// <summary>How sentence vectors are made (the model folder's sentence-transformers settings); null without embedding texts.</summary>
    public SentenceEncoder? Encoder { get; }
    /// <summary>The dense model's vector of each embedding text, computed once: every plan is compared with these.</summary>
    public IReadOnlyList<float[]>? DenseVectors { get; }

    /// <summary>True when the search has LAMA facts to measure.</summary>
    public bool HasFacts => Lama.Count > 0;

    /// <summary>The recipe form of the calibration options, written into best-plan recipes.</summary>
    public RecipeCalibration? RecipeCalibration => Options.CalibrationFile is { } f ? new RecipeCalibration(Path.GetFullPath(f), Options.CalibrationSamples) : null;

    public static SearchDataset Load(string modelPath, SearchDataOptions options)
    {
        if (options.LamaDir is { } lamaDir && !Directory.Exists(lamaDir)) throw new DirectoryNotFoundException($"{lamaDir}: no such LAMA folder.");
        var lama = options.LamaDir is null ? [] : LamaSubset.FromFolder(options.LamaDir);
        if (options.LamaDir is not null && lama.Sum(s => s.Relations.Count) == 0) throw new InvalidDataException($"{options.LamaDir}: no LAMA relation file found.");
        var texts = ReadTexts(options);
        var crows = options.CrowsFile is null ? null : CrowsPairsData.Load(options.CrowsFile);
        var stereo = options.StereoSetFiles.Select(f => StereoSetData.Load(f)).ToList();

        string folder = File.Exists(modelPath) ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath;
        LanguageModel dense;
        Tokenizer tokenizer;
        SentenceEncoder? encoder = null;
        if (texts.Count > 0 && Directory.Exists(modelPath))
        {
            // A sentence-transformers folder says how its vectors are pooled (and may keep the transformer in a subfolder).
            encoder = SentenceEncoder.Load(modelPath);
            (dense, tokenizer) = (encoder.Model, encoder.Tokenizer);
        }
        else
        {
            dense = ModelLoader.Load(modelPath);
            tokenizer = AutoTokenizer.FromFolder(folder);
        }
        CheckKind(modelPath, dense, options);
        return Create(modelPath, dense, tokenizer, options, lama, crows, stereo, texts, encoder);
    }

    /// <summary>A dataset over a model already in memory (benchmarks on random BERT-base weights); <paramref name="modelPath"/> only names it in recipes.</summary>
    public static SearchDataset Create(string modelPath, LanguageModel dense, Tokenizer tokenizer, SearchDataOptions options)
    {
        var lama = options.LamaDir is null ? [] : LamaSubset.FromFolder(options.LamaDir);
        var crows = options.CrowsFile is null ? null : CrowsPairsData.Load(options.CrowsFile);
        var stereo = options.StereoSetFiles.Select(f => StereoSetData.Load(f)).ToList();
        CheckKind(modelPath, dense, options);
        return Create(modelPath, dense, tokenizer, options, lama, crows, stereo, ReadTexts(options), null);
    }

    /// <summary>A bare encoder has no head: it cannot fill in facts or score sentences, only give sentence vectors.</summary>
    private static void CheckKind(string modelPath, LanguageModel dense, SearchDataOptions options)
    {
        if (dense.Kind != ModelKind.Encoder) return;
        if (options.LamaDir is not null)
            throw new ArgumentException($"--lama: {modelPath} is a bare encoder (no LM head); LAMA facts need a masked or causal LM head, so search it with --embedding-text instead.");
        if (options.CrowsFile is not null || options.StereoSetFiles.Count > 0)
            throw new ArgumentException($"{(options.CrowsFile is not null ? "--crows" : "--stereoset")}: {modelPath} is a bare encoder (no LM head); CrowS-Pairs and StereoSet score sentences with a masked or causal LM head, which it has not.");
    }

    /// <summary>
    /// The non-blank lines of the embedding text file (empty without one). Each split needs at least 3 texts: the report
    /// split's Spearman correlation of pairwise similarities needs 3, and a search split of one or two texts says little.
    /// </summary>
    private static IReadOnlyList<string> ReadTexts(SearchDataOptions options)
    {
        if (options.EmbeddingTextFile is not { } file) return [];
        if (!File.Exists(file)) throw new FileNotFoundException($"{file}: no such embedding text file (expected one text per line).");
        var texts = File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l.Trim()).ToList();
        int search = texts.Count(t => options.Split.IsSearch(ItemSplit.TextKey(t)));
        if (search < 3 || texts.Count - search < 3)
            throw new InvalidDataException($"{file}: {texts.Count} texts, {search} in the search split and {texts.Count - search} in the report split (by a hash of each text); each split needs at least 3, so give a few dozen texts.");
        return texts;
    }

    private static SearchDataset Create(string modelPath, LanguageModel dense, Tokenizer tokenizer, SearchDataOptions options,
        IReadOnlyList<LamaSubset> lama, CrowsPairsData? crows, IReadOnlyList<StereoSetData> stereo, IReadOnlyList<string> texts, SentenceEncoder? encoder)
    {
        float[][]? denseVectors = null;
        if (texts.Count > 0)
        {
            encoder ??= new SentenceEncoder(dense, tokenizer);
            denseVectors = encoder.Encode(texts);
        }
        else encoder = null;
        CalibrationData? calibration = null;
        List<int>? ids = null;
        if (options.CalibrationFile is { } file)
        {
            calibration = CalibrationText.Load(new RecipeCalibration(file, options.CalibrationSamples), tokenizer, dense);
            if (dense.Kind == ModelKind.CausalLM)
            {
                ids = [];
                foreach (var line in File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)).Take(options.CalibrationSamples))
                {
                    if (tokenizer.EosTokenId is int e) ids.Add(e);
                    ids.AddRange(tokenizer.EncodeToIds(line.Trim(), addSpecialTokens: false));
                }
            }
        }
        return new SearchDataset(modelPath, dense, tokenizer, options, lama, crows, stereo, calibration, ids is { Count: >= 2 } ? ids : null,
            texts, encoder, denseVectors);
    }
}
