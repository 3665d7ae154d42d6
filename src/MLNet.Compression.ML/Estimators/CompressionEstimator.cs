using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.Distillation;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Estimators;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.ML.Stages;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML;

/// <summary>
/// Compression as an ML.NET estimator: <see cref="Fit"/> reads the text of a column, encodes it as calibration data
/// (the rows GPTQ, SparseGPT, Wanda and OWL run through the model; <see cref="CalibrationText.FromLines"/>) and, for
/// stages that train, as distillation text (<see cref="TrainingText.FromLines"/>), then fits the compression stages on the
/// model. The fitted transformer passes rows through unchanged and holds the compressed model: featurizers appended after
/// it run that model when given <see cref="CompressedModel"/>, and the model is saved and loaded with the pipeline.
/// The model given is left untouched (compression works on a clone).
/// </summary>
public sealed class CompressionEstimator : IEstimator<ITransformer>
{
    /// <summary>Settings of the text read from the calibration column.</summary>
    public sealed class Options
    {
        /// <summary>Calibration samples: the first non-blank rows of the column. Default 128 (what GPTQ, SparseGPT and Wanda used).</summary>
        public int Samples { get; init; } = 128;

        /// <summary>Tokens per calibration sample and distillation row (cut to the model's positions). Default 128.</summary>
        public int MaxTokens { get; init; } = 128;

        /// <summary>Calibration samples per forward pass. Default 8.</summary>
        public int BatchSize { get; init; } = 8;

        /// <summary>Seed of the <see cref="CompressionContext"/> the stages are built from; null: a fresh one per Fit.</summary>
        public int? Seed { get; init; }
    }

    private const string Name = "Compress";
    private readonly TransformsCatalog _catalog;
    private readonly LanguageModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly Func<CompressionContext, TrainingText?, IModelEstimator<ModelTransformer>> _stages;
    private readonly bool _needsTrainingText;
    private readonly string _column;
    private readonly Options _options;
    private readonly TokenizerFiles _tokenizerFiles;

    internal CompressionEstimator(TransformsCatalog catalog, LanguageModel model, Tokenizer tokenizer,
                                  Func<CompressionContext, TrainingText?, IModelEstimator<ModelTransformer>> stages, bool needsTrainingText,
                                  string calibrationColumn, Options? options)
    {
        _catalog = catalog;
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _stages = stages ?? throw new ArgumentNullException(nameof(stages));
        _needsTrainingText = needsTrainingText;
        _column = calibrationColumn ?? throw new ArgumentNullException(nameof(calibrationColumn));
        _options = options ?? new Options();
        _tokenizerFiles = TokenizerFiles.Of(tokenizer, Name);
        if (_options.Samples < 1 || _options.MaxTokens < 1 || _options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"{Name}: Samples, MaxTokens and BatchSize must be at least 1 (got {_options.Samples}, {_options.MaxTokens}, {_options.BatchSize}).");
        CompressedModel = LanguageModelSource.Pending(model, $"the {Name} estimator over column '{calibrationColumn}'");
    }

    /// <summary>The model the latest <see cref="Fit"/> produced; pass it to a featurizer appended after this estimator.</summary>
    public LanguageModelSource CompressedModel { get; }

    /// <summary>Compresses the model with the column's text as calibration (and distillation) data.</summary>
    public ITransformer Fit(IDataView input)
    {
        var column = TextColumn.Check(input.Schema, Name, _column);
        string source = $"{Name}: calibration column '{_column}'";
        // Distillation trains on every row; calibration reads only up to its samples, so a large view is not read whole.
        var rows = _needsTrainingText ? TextColumn.Read(input, column).ToList() : UpToSamples(TextColumn.Read(input, column), _options.Samples);
        if (rows.Count == 0) throw new InvalidDataException($"{source} has no rows; compression needs calibration text.");
        if (rows.All(r => string.IsNullOrWhiteSpace(r.Text))) throw new InvalidDataException($"{source} has only empty text in its {rows.Count} rows.");

        var calibration = CalibrationText.FromLines(rows, new RecipeCalibration(File: _column, Samples: _options.Samples, MaxLength: _options.MaxTokens, BatchSize: _options.BatchSize),
                                                    _tokenizer, _model, source);
        var text = _needsTrainingText ? TrainingText.FromLines(rows, _tokenizer, _model, Math.Min(_options.MaxTokens, _model.MaxPositions ?? int.MaxValue), source) : null;
        var estimator = _stages(new CompressionContext(_options.Seed), text)
            ?? throw new ArgumentException($"{Name}: the stages function returned no estimator.");
        var compressed = estimator.Fit(_model, calibration);

        var stage = new CompressedModelStage(compressed.Model, _tokenizer, _tokenizerFiles, compressed.Changes);
        var mapping = CompressedModelRows.Shape.CustomMapping(_catalog, stage).Fit(input);
        StageRegistry.Register(mapping, stage);
        CompressedModel.Complete(compressed.Model, compressed.Changes);
        return mapping;
    }

    /// <summary>The rows up to and including the <paramref name="samples"/>-th that is not blank.</summary>
    private static List<(int Row, string Text)> UpToSamples(IEnumerable<(int Row, string Text)> rows, int samples)
    {
        var taken = new List<(int, string)>();
        int found = 0;
        foreach (var row in rows)
        {
            taken.Add(row);
            if (!string.IsNullOrWhiteSpace(row.Text) && ++found == samples) break;
        }
        return taken;
    }

    /// <summary>The input schema, unchanged; the calibration column must be there and hold text.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        TextColumn.Check(inputSchema, Name, _column);
        return CompressedModelRows.Shape.CustomMapping(_catalog, null).GetOutputSchema(inputSchema);
    }
}
