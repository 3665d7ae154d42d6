using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.ML;

// Usage: MLNet.Compression.ML.LoadCheck <model.zip> <texts.txt> [column ...]
// Loads the pipeline in this fresh process, runs it on one text per line (input column "Text") and prints one JSON
// object per line with every requested output column: scalars and vectors as round-trip strings, so the test compares bits.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MLNet.Compression.ML.LoadCheck <model.zip> <texts.txt> [column ...]");
    return 2;
}
var ml = new MLContext(seed: 1);
ITransformer model;
try
{
    model = ml.Model.LoadWithLanguageModels(args[0], out _);
}
catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FileNotFoundException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
var texts = File.ReadAllLines(args[1]).Select(t => new TextInput { Text = t }).ToList();
var output = model.Transform(ml.Data.LoadFromEnumerable(texts));
var columns = args.Skip(2).Select(name => output.Schema[name]).ToArray();
using var cursor = output.GetRowCursor(columns);
var readers = columns.Select(c => Reader(cursor, c)).ToArray();
while (cursor.MoveNext())
{
    var row = new Dictionary<string, object>();
    for (int i = 0; i < columns.Length; i++) row[columns[i].Name] = readers[i]();
    Console.WriteLine(JsonSerializer.Serialize(row));
}
// The same rows through a PredictionEngine, as an application serves one request at a time.
var engine = ml.Model.CreatePredictionEngine<TextInput, ScoreOutput>(model, ignoreMissingColumns: true);
foreach (var t in texts)
    Console.WriteLine("engine " + engine.Predict(t).Score.ToString("R", CultureInfo.InvariantCulture));
return 0;

static Func<object> Reader(DataViewRowCursor cursor, DataViewSchema.Column column)
{
    string F(float x) => x.ToString("R", CultureInfo.InvariantCulture);
    return column.Type switch
    {
        VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(float) => Vector<float>(cursor, column, v => string.Join(",", v.Select(F))),
        VectorDataViewType { ItemType: NumberDataViewType n } when n.RawType == typeof(int) => Vector<int>(cursor, column, v => string.Join(",", v)),
        NumberDataViewType n when n.RawType == typeof(float) => Scalar<float>(cursor, column, F),
        NumberDataViewType n when n.RawType == typeof(int) => Scalar<int>(cursor, column, i => i.ToString(CultureInfo.InvariantCulture)),
        BooleanDataViewType => Scalar<bool>(cursor, column, b => b ? "true" : "false"),
        TextDataViewType => Scalar<ReadOnlyMemory<char>>(cursor, column, t => t.ToString()),
        _ => throw new NotSupportedException($"column {column.Name} of type {column.Type}"),
    };
}

static Func<object> Scalar<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, string> format)
{
    var getter = cursor.GetGetter<T>(column);
    return () => { T value = default!; getter(ref value); return format(value); };
}

static Func<object> Vector<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T[], string> format)
{
    var getter = cursor.GetGetter<VBuffer<T>>(column);
    return () => { VBuffer<T> value = default; getter(ref value); return format(value.DenseValues().ToArray()); };
}

internal sealed class TextInput
{
    public string Text { get; set; } = "";
}

internal sealed class ScoreOutput
{
    public float Score { get; set; }
}
