// Classify sentences with features from a compressed language model, inside an ML.NET pipeline.
// Usage: dotnet run -c Release --project samples/ClassifyWithCompressedModel -- [OUT_DIR]   (default classify-out)
// Trains a small masked LM on a synthetic world (no download), labels true and false statements of the world's facts,
// trains the same classifier on dense and on compressed features, prints accuracy, size and latency of both, and saves
// the compressed pipeline to OUT_DIR/model.zip, which samples/PredictWithSavedModel loads.
using System.Globalization;
using ClassifyWithCompressedModel;
using Microsoft.ML;
using MLNet.Compression.ML;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tokenization;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;   // the same numbers on every machine
string outDir = args.Length > 0 ? args[0] : "classify-out";

var world = SyntheticWorld.Create(outDir);
var model = ModelLoader.Load(world.ModelDir);
var tokenizer = AutoTokenizer.FromFolder(world.ModelDir);
var (train, test) = Statements.Split(world.World, testFraction: 0.3, seed: 1);
Console.WriteLine($"statements: {train.Count} to train, {test.Count} to test, half of each true");

var ml = new MLContext(seed: 1);
var trainData = ml.Data.LoadFromEnumerable(train);
var lm = ml.Transforms.LanguageModel();

// L-BFGS logistic regression: SDCA fits these features too, but took minutes on these few hundred rows on 2 cores.
var dense = Features(ml, model, tokenizer)
    .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Label", "Features"));

// Fit first prunes half of every layer's weights with Wanda, calibrated on the Text column's first 128 training
// sentences, then quantizes them to int8; the featurizers after it run that compressed model.
var compress = lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(sparsity: 0.5).Append(ctx.Quantization.DynamicInt8()), "Text");
var compressed = compress
    .Append(Features(ml, compress.CompressedModel, tokenizer))
    .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression("Label", "Features"));

var denseFitted = dense.Fit(trainData);
var compressedFitted = compressed.Fit(trainData);
Measurement.PrintTable([
    Measurement.Of("dense", ml, denseFitted, test),
    Measurement.Of("compressed", ml, compressedFitted, test),
]);

// Plain Model.Save cannot hold the language model; SaveWithLanguageModels stores it inside the same zip.
string zip = Path.Combine(outDir, "model.zip");
ml.Model.SaveWithLanguageModels(compressedFitted, trainData.Schema, zip);
Console.WriteLine($"saved {zip} ({new FileInfo(zip).Length} bytes)");

// A few test sentences, to compare with what PredictWithSavedModel prints for them.
Console.WriteLine("predictions of the compressed pipeline:");
var engine = ml.Model.CreatePredictionEngine<Statement, Prediction>(compressedFitted);
foreach (var statement in test.Take(4))
{
    var p = engine.Predict(statement);
    Console.WriteLine($"{(p.PredictedLabel ? "true" : "false"),-5}  {p.Probability:0.0000}  {statement.Text}");
}
return 0;

// What the model says about a sentence: its vector (mean of the last hidden states: what the sentence is about) and its
// pseudo-log-likelihood (how plausible the model finds it). The vector alone classifies these sentences at chance,
// because a true and a false statement differ in one word; the likelihood is where the model's knowledge shows.
static IEstimator<ITransformer> Features(MLContext ml, LanguageModelSource model, Tokenizer tokenizer)
{
    var lm = ml.Transforms.LanguageModel();
    return lm.Embed(model, tokenizer, "Embedding", "Text")
        .Append(lm.LogLikelihood(model, tokenizer, "LogLikelihood", "Perplexity", "ScoredTokens", "Text"))
        .Append(ml.Transforms.Concatenate("Features", "Embedding", "LogLikelihood", "Perplexity"))
        .Append(ml.Transforms.NormalizeMeanVariance("Features"))
        // The trainer reads its data many times; the cache keeps it from running the language model on every pass.
        .AppendCacheCheckpoint(ml);
}
