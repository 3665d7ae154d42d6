// Load the pipeline ClassifyWithCompressedModel saved and classify sentences with it, as an application would.
// Usage: dotnet run -c Release --project samples/PredictWithSavedModel -- MODEL_ZIP SENTENCE [SENTENCE ...]
using System.Globalization;
using Microsoft.ML;
using MLNet.Compression.ML;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;   // the same numbers on every machine
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: PredictWithSavedModel MODEL_ZIP SENTENCE [SENTENCE ...]");
    return 2;
}

var ml = new MLContext(seed: 1);
ITransformer model;
try
{
    // The compressed language model travels inside model.zip; plain Model.Load cannot read it back.
    model = ml.Model.LoadWithLanguageModels(args[0], out _);
}
catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

// A PredictionEngine serves one sentence at a time; it is not thread-safe, so a service keeps one per thread (or a pool).
var engine = ml.Model.CreatePredictionEngine<Statement, Prediction>(model);
foreach (string text in args.Skip(1))
{
    var p = engine.Predict(new Statement { Text = text });
    Console.WriteLine($"{(p.PredictedLabel ? "true" : "false"),-5}  {p.Probability:0.0000}  {text}");
}
return 0;

/// <summary>The input row: the pipeline reads only Text (Label was needed for training alone).</summary>
internal sealed class Statement
{
    public string Text { get; set; } = "";
}

/// <summary>The classifier's output columns read back.</summary>
internal sealed class Prediction
{
    public bool PredictedLabel { get; set; }

    public float Probability { get; set; }
}
