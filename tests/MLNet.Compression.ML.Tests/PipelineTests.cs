using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Compression.ML.Tests;

/// <summary>Language-model stages inside ML.NET pipelines: trainers after them, save and load, PredictionEngine, threads, laziness.</summary>
public class PipelineTests
{
    private readonly MLContext _ml = new(seed: 1);

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
    }

    private IDataView LabelledData() => _ml.Data.LoadFromEnumerable(Fixtures.Labelled.Select(l => new LabelledRow { Text = l.Text, Label = l.Label }).ToList());

    private ITransformer FitClassifier()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var pipeline = _ml.Transforms.LanguageModel().Embed(model, tokenizer, outputColumnName: "Features", normalize: true)
            .Append(_ml.BinaryClassification.Trainers.SdcaLogisticRegression(labelColumnName: "Label", featureColumnName: "Features", maximumNumberOfIterations: 20));
        return pipeline.Fit(LabelledData());
    }

    private static string R(float x) => x.ToString("R", CultureInfo.InvariantCulture);

    private static string[] Scores(IDataView scored) => scored.GetColumn<float>("Score").Select(R).ToArray();

    [Fact]
    public void Embed_then_Sdca_fits_predicts_and_a_second_process_loads_it_with_identical_predictions()
    {
        var fitted = FitClassifier();
        var data = LabelledData();
        var scored = fitted.Transform(data);
        var scores = Scores(scored);
        Assert.Equal(Fixtures.Labelled.Length, scores.Length);
        Assert.True(scored.GetColumn<float>("Score").Distinct().Count() > 1, "the classifier separates rows");

        using var tmp = new TempFolder();
        string zip = tmp.File("model.zip");
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, zip);
        Assert.DoesNotContain(Directory.GetFiles(tmp.Path), f => f != zip);   // the temporary sibling is gone

        var loaded = new MLContext(seed: 7).Model.LoadWithLanguageModels(zip, out var schema);
        Assert.Equal(["Text", "Label"], schema.Select(c => c.Name));
        Assert.Equal(scores, Scores(loaded.Transform(data)));

        File.WriteAllLines(tmp.File("texts.txt"), Fixtures.Labelled.Select(l => l.Text));
        var (code, lines, err) = LoadCheckProcess.Run(zip, tmp.File("texts.txt"), "Score", "Probability", "PredictedLabel", "Features");
        Assert.True(code == 0, err);
        var rows = lines.Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<Dictionary<string, string>>(l)!).ToArray();
        var features = FeaturizerValueTests.Column(scored, "Features");
        var probabilities = scored.GetColumn<float>("Probability").Select(R).ToArray();
        var labels = scored.GetColumn<bool>("PredictedLabel").ToArray();
        Assert.Equal(scores.Length, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(scores[i], rows[i]["Score"]);
            Assert.Equal(probabilities[i], rows[i]["Probability"]);
            Assert.Equal(labels[i] ? "true" : "false", rows[i]["PredictedLabel"]);
            Assert.Equal(string.Join(",", features[i].Select(R)), rows[i]["Features"]);
        }
        // The second process's PredictionEngine gives the same scores.
        Assert.Equal(scores, lines.Where(l => l.StartsWith("engine ", StringComparison.Ordinal)).Select(l => l["engine ".Length..]).ToArray());
    }

    [Fact]
    public void A_loaded_pipeline_saves_again_and_keeps_its_predictions()
    {
        var fitted = FitClassifier();
        var data = LabelledData();
        using var tmp = new TempFolder();
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, tmp.File("a.zip"));
        var loaded = _ml.Model.LoadWithLanguageModels(tmp.File("a.zip"), out _);
        _ml.Model.SaveWithLanguageModels(loaded, data.Schema, tmp.File("b.zip"));
        var again = _ml.Model.LoadWithLanguageModels(tmp.File("b.zip"), out _);
        Assert.Equal(Scores(fitted.Transform(data)), Scores(again.Transform(data)));
        var stage = Assert.Single(LanguageModelStages.In(again));
        Assert.Equal("embed", stage.Kind);
        Assert.Equal("bert", stage.Model!.ModelType);
    }

    [Fact]
    public void Saving_over_an_existing_zip_replaces_it()
    {
        var fitted = FitClassifier();
        var data = LabelledData();
        using var tmp = new TempFolder();
        string zip = tmp.File("model.zip");
        File.WriteAllText(zip, "an older file");
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, zip);
        Assert.Equal(Scores(fitted.Transform(data)), Scores(_ml.Model.LoadWithLanguageModels(zip, out _).Transform(data)));
    }

    [Fact]
    public void PredictionEngine_works_from_four_threads_with_an_engine_each()
    {
        var fitted = FitClassifier();
        var inputs = Fixtures.Labelled.Select(l => new LabelledRow { Text = l.Text }).ToArray();
        var engine = _ml.Model.CreatePredictionEngine<LabelledRow, Prediction>(fitted);
        var sequential = inputs.Select(i => R(engine.Predict(i).Score)).ToArray();

        var results = new string[4][];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var own = _ml.Model.CreatePredictionEngine<LabelledRow, Prediction>(fitted);
            var mine = new string[inputs.Length];
            for (int round = 0; round < 3; round++)
                for (int i = 0; i < inputs.Length; i++) mine[(i + t) % inputs.Length] = R(own.Predict(inputs[(i + t) % inputs.Length]).Score);
            results[t] = mine;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(results, r => Assert.Equal(sequential, r));
    }

    [Fact]
    public void The_model_forward_is_safe_for_concurrent_calls()
    {
        // The stages share one model between cursors and threads; this pins down that LanguageModel.Forward allows it.
        var (model, tokenizer) = Fixtures.Gpt2;
        var lm = _ml.Transforms.LanguageModel();
        var data = Fixtures.Texts(_ml, Fixtures.Sentences);
        var fitted = lm.Embed(model, tokenizer).Append(lm.LogLikelihood(model, tokenizer)).Fit(data);
        var want = FeaturizerValueTests.Column(fitted.Transform(data), "Embedding");
        var failures = 0;
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var engine = _ml.Model.CreatePredictionEngine<TextOnly, EmbeddingOutput>(fitted);
            for (int round = 0; round < 5; round++)
                for (int i = 0; i < Fixtures.Sentences.Length; i++)
                    if (!engine.Predict(new TextOnly { Text = Fixtures.Sentences[i] }).Embedding.SequenceEqual(want[i])) Interlocked.Increment(ref failures);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, failures);
    }

    public sealed class EmbeddingOutput
    {
        public float[] Embedding { get; set; } = [];
    }

    [Fact]
    public void Transform_is_lazy_and_reads_only_a_bounded_window_of_rows_ahead_of_the_cursor()
    {
        var (model, tokenizer) = Fixtures.Bert;
        int pulled = 0;
        IEnumerable<TextOnly> Rows()
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                Interlocked.Increment(ref pulled);
                yield return new TextOnly { Text = "row " + i };
            }
        }
        var streaming = _ml.Data.LoadFromEnumerable(Rows());
        var sample = Fixtures.Texts(_ml, ["row 0"]);
        var fitted = _ml.Transforms.LanguageModel().Embed(model, tokenizer).Fit(sample);
        var output = fitted.Transform(streaming);
        Assert.Equal(0, pulled);
        var first = output.GetColumn<float[]>("Embedding").Take(3).ToArray();
        Assert.Equal(3, first.Length);
        // ML.NET's parallel cursors (DataViewUtils.TryCreateConsolidatingCursor) read ahead in bounded batches to feed
        // their worker threads; no more than that of the million rows is read, so no more is embedded.
        Assert.InRange(pulled, 3, 4096);
        Assert.Equal(FeaturizerValueTests.Column(fitted.Transform(sample), "Embedding")[0], first[0]);
    }

    [Fact]
    public void Every_featurizer_and_a_tokenizer_only_stage_round_trip_through_one_zip()
    {
        var (bert, bertTok) = Fixtures.Bert;
        var (gpt2, gpt2Tok) = Fixtures.Gpt2;
        var lm = _ml.Transforms.LanguageModel();
        var pipeline = lm.Embed(bert, bertTok, "BertEmbedding")
            .Append(lm.FillMask(bert, bertTok, topK: 5))
            .Append(lm.LogLikelihood(gpt2, gpt2Tok))
            .Append(lm.TokenIds(gpt2Tok, maxTokens: 16));
        var data = Fixtures.Texts(_ml, ["paris is the capital of [MASK].", "hello"]);
        var fitted = pipeline.Fit(data);
        using var tmp = new TempFolder();
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, tmp.File("all.zip"));
        using (var zip = System.IO.Compression.ZipFile.OpenRead(tmp.File("all.zip")))
        {
            // BERT is stored once for its two stages; GPT-2 once; the tokenizer-only stage has its own asset.
            var assets = zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith("MLNet.Compression/assets/", StringComparison.Ordinal))
                .Select(n => n.Split('/')[2]).Distinct().Count();
            Assert.Equal(3, assets);
        }
        var loaded = _ml.Model.LoadWithLanguageModels(tmp.File("all.zip"), out _);
        Assert.Equal(["embed", "fill-mask", "log-likelihood", "token-ids"], LanguageModelStages.In(loaded).Select(s => s.Kind));
        var before = fitted.Transform(data);
        var after = loaded.Transform(data);
        Assert.Equal(FeaturizerValueTests.Column(before, "BertEmbedding"), FeaturizerValueTests.Column(after, "BertEmbedding"));
        Assert.Equal(FeaturizerValueTests.IntColumn(before, "FilledTokenIds"), FeaturizerValueTests.IntColumn(after, "FilledTokenIds"));
        Assert.Equal(before.GetColumn<float>("LogLikelihood"), after.GetColumn<float>("LogLikelihood"));
        Assert.Equal(FeaturizerValueTests.IntColumn(before, "TokenIds"), FeaturizerValueTests.IntColumn(after, "TokenIds"));
    }

    [Fact]
    public async Task Two_threads_load_language_model_zips_at_once()
    {
        var fitted = FitClassifier();
        var data = LabelledData();
        using var tmp = new TempFolder();
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, tmp.File("model.zip"));
        var want = Scores(fitted.Transform(data));
        var tasks = Enumerable.Range(0, 2).Select(_ => Task.Run(() => Scores(new MLContext().Model.LoadWithLanguageModels(tmp.File("model.zip"), out var __).Transform(data)))).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.Equal(want, r));
    }
}
