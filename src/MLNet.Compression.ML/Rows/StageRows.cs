using System.ComponentModel;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNet.Compression.ML.Rows;

/// <summary>
/// The input row of every text stage: the text column under the fixed name <see cref="Column"/>. The catalog copies the
/// user's column to this name before the mapping and drops it after, because a loaded CustomMapping knows its columns only
/// from the attributes of its row classes (ML.NET saves no schema definition for it).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TextRow
{
    /// <summary>The fixed name of the text column the mapping reads.</summary>
    public const string Column = "__mlnet_lm_text__";

    [ColumnName(Column)]
    public string Text { get; set; } = string.Empty;
}

/// <summary>A row with no column: the input and output of the Compress stage, which passes the data through.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NoColumnsRow
{
}

/// <summary>What the row classes need of a stage (Stages/ implements it): its kind, for messages, and its shape.</summary>
internal interface IMappedStage
{
    string Kind { get; }

    IStageShape Shape { get; }
}

/// <summary>A stage that maps one text to a <typeparamref name="TResult"/>; called from any cursor or thread.</summary>
internal interface ITextStage<out TResult> : IMappedStage
{
    TResult Compute(string text);
}

/// <summary>An output row of a stage: receives one computed result.</summary>
internal interface IOutputRow<in TResult>
{
    void Set(TResult result);
}

/// <summary>
/// The base of every factory ML.NET finds by contract name when it loads a model.zip: it hands the mapping of the next
/// language-model stage that <see cref="ModelOperationsExtensions.LoadWithLanguageModels"/> queued, and refuses plain
/// <c>Model.Load</c>, which has no stage to give (the stage's model lives in extra entries of the zip).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class StageMappingFactory<TSrc, TDst> : CustomMappingFactory<TSrc, TDst>
    where TSrc : class, new()
    where TDst : class, new()
{
    private readonly string _contract;

    private protected StageMappingFactory(string contract) => _contract = contract;

    public sealed override Action<TSrc, TDst> GetMapping()
    {
        var stage = StageLoadQueue.Take(_contract);
        return stage.Shape.Mapping(stage) as Action<TSrc, TDst>
            ?? throw new InvalidOperationException($"The stage queued for contract '{_contract}' maps {stage.Shape.RowTypes}, not {typeof(TSrc).Name} → {typeof(TDst).Name}.");
    }
}

/// <summary>
/// One output shape of a stage kind: its contract name, its fixed output column names, and how to build the ML.NET
/// CustomMapping and its map action for a stage. One per row class, listed in each kind's table.
/// </summary>
internal interface IStageShape
{
    string Contract { get; }

    /// <summary>The fixed names of the output row's columns, in the order the catalog maps them to the user's names.</summary>
    IReadOnlyList<string> OutputColumns { get; }

    string RowTypes { get; }

    /// <summary>The ML.NET estimator mapping rows with <paramref name="stage"/> (null: an estimator for schema propagation only).</summary>
    IEstimator<ITransformer> CustomMapping(TransformsCatalog catalog, IMappedStage? stage);

    /// <summary>The map action ML.NET runs per row for <paramref name="stage"/>.</summary>
    Delegate Mapping(IMappedStage stage);
}

/// <summary>The shape of a text stage whose output row <typeparamref name="TDst"/> receives a <typeparamref name="TResult"/> per row.</summary>
internal sealed class TextStageShape<TDst, TResult>(string contract, params string[] outputColumns) : IStageShape
    where TDst : class, IOutputRow<TResult>, new()
{
    public string Contract { get; } = contract;

    public IReadOnlyList<string> OutputColumns { get; } = outputColumns;

    public string RowTypes => $"{nameof(TextRow)} → {typeof(TDst).Name}";

    public IEstimator<ITransformer> CustomMapping(TransformsCatalog catalog, IMappedStage? stage)
        => catalog.CustomMapping(stage is null ? Unfitted : Map((ITextStage<TResult>)stage), Contract);

    public Delegate Mapping(IMappedStage stage) => Map((ITextStage<TResult>)stage);

    // The lambda's declaring type lives in this assembly, which is what ML.NET saves so that loading finds the factories.
    private static Action<TextRow, TDst> Map(ITextStage<TResult> stage) => (src, dst) => dst.Set(stage.Compute(src.Text ?? string.Empty));

    private static void Unfitted(TextRow src, TDst dst) => throw new InvalidOperationException("This estimator is not fitted; call Fit before transforming data.");
}

/// <summary>The shape of the Compress stage: no input, no output; the mapping carries the compressed model through save and load.</summary>
internal sealed class PassThroughShape(string contract) : IStageShape
{
    public string Contract { get; } = contract;

    public IReadOnlyList<string> OutputColumns { get; } = [];

    public string RowTypes => $"{nameof(NoColumnsRow)} → {nameof(NoColumnsRow)}";

    public IEstimator<ITransformer> CustomMapping(TransformsCatalog catalog, IMappedStage? stage) => catalog.CustomMapping<NoColumnsRow, NoColumnsRow>(PassThrough, Contract);

    public Delegate Mapping(IMappedStage stage) => (Action<NoColumnsRow, NoColumnsRow>)PassThrough;

    private static void PassThrough(NoColumnsRow src, NoColumnsRow dst) { }
}

/// <summary>Looks up the shape of a size among the sizes a kind has row classes for.</summary>
internal static class ShapeTable
{
    public static IStageShape Find(IReadOnlyDictionary<int, IStageShape> table, int size, string what, string stage)
        => table.TryGetValue(size, out var shape) ? shape
            : throw new ArgumentOutOfRangeException(nameof(size), $"{stage}: {what} {size} is not supported; supported: {string.Join(", ", table.Keys.Order())}.");
}
