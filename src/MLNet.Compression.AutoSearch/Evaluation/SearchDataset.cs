using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// Everything a search reads once: the dense model, its tokenizer, the LAMA relations, the bias items and the calibration
/// data. Every problem found here is the user's input and is reported naming the file.
/// </summary>
public sealed class SearchDataset
{
    private SearchDataset(string modelPath, LanguageModel dense, Tokenizer tokenizer, SearchDataOptions options, IReadOnlyList<LamaSubset> lama,
        CrowsPairsData? crows, IReadOnlyList<StereoSetData> stereoSet, CalibrationData? calibration, IReadOnlyList<int>? calibrationIds)
    {
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

    /// <summary>The recipe form of the calibration options, written into best-plan recipes.</summary>
    public RecipeCalibration? RecipeCalibration => Options.CalibrationFile is { } f ? new RecipeCalibration(Path.GetFullPath(f), Options.CalibrationSamples) : null;

    public static SearchDataset Load(string modelPath, SearchDataOptions options)
    {
        if (!Directory.Exists(options.LamaDir)) throw new DirectoryNotFoundException($"{options.LamaDir}: no such LAMA folder.");
        var lama = LamaSubset.FromFolder(options.LamaDir);
        if (lama.Sum(s => s.Relations.Count) == 0) throw new InvalidDataException($"{options.LamaDir}: no LAMA relation file found.");
        var crows = options.CrowsFile is null ? null : CrowsPairsData.Load(options.CrowsFile);
        var stereo = options.StereoSetFiles.Select(f => StereoSetData.Load(f)).ToList();

        var dense = ModelLoader.Load(modelPath);
        var tokenizer = AutoTokenizer.FromFolder(File.Exists(modelPath) ? Path.GetDirectoryName(Path.GetFullPath(modelPath))! : modelPath);
        return Create(modelPath, dense, tokenizer, options, lama, crows, stereo);
    }

    /// <summary>A dataset over a model already in memory (benchmarks on random BERT-base weights); <paramref name="modelPath"/> only names it in recipes.</summary>
    public static SearchDataset Create(string modelPath, LanguageModel dense, Tokenizer tokenizer, SearchDataOptions options)
    {
        var lama = LamaSubset.FromFolder(options.LamaDir);
        var crows = options.CrowsFile is null ? null : CrowsPairsData.Load(options.CrowsFile);
        var stereo = options.StereoSetFiles.Select(f => StereoSetData.Load(f)).ToList();
        return Create(modelPath, dense, tokenizer, options, lama, crows, stereo);
    }

    private static SearchDataset Create(string modelPath, LanguageModel dense, Tokenizer tokenizer, SearchDataOptions options,
        IReadOnlyList<LamaSubset> lama, CrowsPairsData? crows, IReadOnlyList<StereoSetData> stereo)
    {
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
        return new SearchDataset(modelPath, dense, tokenizer, options, lama, crows, stereo, calibration, ids is { Count: >= 2 } ? ids : null);
    }
}
