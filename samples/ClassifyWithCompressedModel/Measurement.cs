using System.Diagnostics;
using Microsoft.ML;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.ML;

namespace ClassifyWithCompressedModel;

/// <summary>What one fitted pipeline costs and gets right on the test rows.</summary>
/// <param name="Name">dense or compressed</param>
/// <param name="Accuracy">share of test sentences classified right, with its 95% bootstrap interval over sentences</param>
/// <param name="ModelBytes">stored size of the language model the pipeline runs</param>
/// <param name="MillisecondsPerPrediction">mean time of one PredictionEngine call</param>
public sealed record Measurement(string Name, Interval Accuracy, long ModelBytes, double MillisecondsPerPrediction)
{
    public static Measurement Of(string name, MLContext ml, ITransformer fitted, IReadOnlyList<Statement> test)
    {
        var predictions = ml.Data.CreateEnumerable<Prediction>(fitted.Transform(ml.Data.LoadFromEnumerable(test)), reuseRowObject: false).ToList();
        var correct = predictions.Select((p, i) => p.PredictedLabel == test[i].Label ? 1.0 : 0.0).ToList();
        var accuracy = Bootstrap.Mean(correct, new Bootstrap.Options { Seed = 1 });

        // The Embed stage's model: the dense one, or the one Compress produced during Fit.
        long bytes = LanguageModelStages.In(fitted).Single(s => s.Kind == "embed").Model!.StorageBytes();

        // One request at a time, as a service would call it; the first call builds the engine's row pipeline, so it is left out.
        var engine = ml.Model.CreatePredictionEngine<Statement, Prediction>(fitted);
        engine.Predict(test[0]);
        var clock = Stopwatch.StartNew();
        foreach (var statement in test) engine.Predict(statement);
        return new Measurement(name, accuracy, bytes, clock.Elapsed.TotalMilliseconds / test.Count);
    }

    public static void PrintTable(IEnumerable<Measurement> rows)
    {
        Console.WriteLine($"{"model",-12} {"accuracy [95% CI]",-24} {"model bytes",12} {"ms/prediction",14}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Name,-12} {r.Accuracy.ToString("0.000"),-24} {r.ModelBytes,12} {r.MillisecondsPerPrediction,14:F3}");
    }
}
