using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.ML.Estimators;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.ML.Stages;

namespace MLNet.Compression.ML;

/// <summary>
/// A language-model featurizer as an ML.NET estimator: copies the user's text column to the stage's fixed input name, runs
/// the stage's CustomMapping, copies its fixed output columns to the user's names and drops the fixed ones. Everything
/// it returns from <see cref="Fit"/> is ML.NET's own transformers, so <c>mlContext.Model.Save</c> can write it; the
/// stage's model goes into the same zip through <see cref="ModelOperationsExtensions.SaveWithLanguageModels"/>.
/// Rows are computed lazily, one forward pass per row, as a cursor or PredictionEngine pulls them (ML.NET's parallel
/// cursors compute a bounded batch ahead on their worker threads; a stage is immutable and safe for that).
/// </summary>
public sealed class LanguageModelEstimator : IEstimator<ITransformer>
{
    private readonly TransformsCatalog _catalog;
    private readonly string _name;
    private readonly string _inputColumn;
    private readonly IReadOnlyList<string> _outputColumns;
    private readonly IStageShape _shape;
    private readonly Func<LanguageModelStage> _createStage;

    internal LanguageModelEstimator(TransformsCatalog catalog, string name, string inputColumn, IReadOnlyList<string> outputColumns, IStageShape shape, Func<LanguageModelStage> createStage)
    {
        if (outputColumns.Count != shape.OutputColumns.Count) throw new ArgumentException($"{name}: {outputColumns.Count} output names for {shape.OutputColumns.Count} columns.");
        foreach (var c in outputColumns.Append(inputColumn))
            if (string.IsNullOrWhiteSpace(c)) throw new ArgumentException($"{name}: a column name is empty.");
        if (outputColumns.Distinct(StringComparer.Ordinal).Count() != outputColumns.Count)
            throw new ArgumentException($"{name}: output column names must differ ({string.Join(", ", outputColumns)}).");
        _catalog = catalog;
        _name = name;
        _inputColumn = inputColumn;
        _outputColumns = outputColumns;
        _shape = shape;
        _createStage = createStage;
    }

    /// <summary>Makes the stage (resolving a compressed model produced earlier in the chain) and fits the ML.NET columns around it.</summary>
    public ITransformer Fit(IDataView input)
    {
        TextColumn.Check(input.Schema, _name, _inputColumn);
        var stage = _createStage();
        var fitted = Columns(stage).Fit(input);
        var mapping = StageRegistry.Mappings(fitted).Single();
        StageRegistry.Register(mapping, stage);
        return fitted;
    }

    /// <summary>The input schema plus the stage's columns under the user's names, with their vector sizes.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        TextColumn.Check(inputSchema, _name, _inputColumn);
        return Columns(null).GetOutputSchema(inputSchema);
    }

    private IEstimator<ITransformer> Columns(LanguageModelStage? stage)
    {
        var fixedOutputs = _shape.OutputColumns;
        IEstimator<ITransformer> chain = _catalog.CopyColumns(TextRow.Column, _inputColumn).Append(_shape.CustomMapping(_catalog, stage));
        for (int i = 0; i < fixedOutputs.Count; i++) chain = chain.Append(_catalog.CopyColumns(_outputColumns[i], fixedOutputs[i]));
        return chain.Append(_catalog.DropColumns([TextRow.Column, .. fixedOutputs]));
    }
}
