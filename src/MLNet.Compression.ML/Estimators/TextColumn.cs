using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Compression.ML.Estimators;

/// <summary>Checks that a stage's input column exists and holds text, with one-line errors naming the stage and the column.</summary>
internal static class TextColumn
{
    public static void Check(SchemaShape schema, string stage, string column)
    {
        // SchemaShape.TryFindColumn is internal; a shape holds each name once.
        var c = schema.FirstOrDefault(x => x.Name == column);
        if (c.Name is null)
            throw new ArgumentOutOfRangeException(nameof(column), Missing(stage, column, schema.Select(x => x.Name)));
        if (c.Kind != SchemaShape.Column.VectorKind.Scalar || c.ItemType is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(column), NotText(stage, column, Describe(c)));
    }

    public static DataViewSchema.Column Check(DataViewSchema schema, string stage, string column)
    {
        var c = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(column), Missing(stage, column, schema.Where(x => !x.IsHidden).Select(x => x.Name)));
        if (c.Type is not TextDataViewType) throw new ArgumentOutOfRangeException(nameof(column), NotText(stage, column, c.Type.ToString() ?? c.Type.RawType.Name));
        return c;
    }

    /// <summary>The rows of a text column, 1-based, read lazily through a cursor.</summary>
    public static IEnumerable<(int Row, string Text)> Read(IDataView data, DataViewSchema.Column column)
    {
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> value = default;
        int row = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            yield return (++row, value.ToString());
        }
    }

    private static string Missing(string stage, string column, IEnumerable<string> present)
        => $"{stage}: input column '{column}' is not in the data (its columns: {string.Join(", ", present.Distinct())}).";

    private static string NotText(string stage, string column, string type)
        => $"{stage}: input column '{column}' holds {type}, not text; the column must be a string (TextDataViewType) column.";

    private static string Describe(SchemaShape.Column c)
        => c.Kind == SchemaShape.Column.VectorKind.Scalar ? c.ItemType.ToString() ?? c.ItemType.RawType.Name : $"a {c.Kind.ToString().ToLowerInvariant()} vector of {c.ItemType}";
}
