using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.Distillation;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.ML.Tests;

/// <summary>Compress: calibration and distillation text from a column, featurizers on the compressed model, save and load.</summary>
public class CompressionTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static readonly string[] Calibration =
    [
        "the quick brown fox jumps over the lazy dog",
        "",
        "paris is the capital and largest city of france",
        "compression keeps what the model knows, or tries to",
        "a model of two layers and thirty-two hidden units",
        "every token of the calibration text passes through each layer",
    ];

    [Fact]
    public void Wanda_calibrated_on_a_column_equals_Wanda_calibrated_on_the_same_lines_from_a_file()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var data = Fixtures.Texts(_ml, Calibration);
        var compress = _ml.Transforms.LanguageModel().Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(sparsity: 0.5, groups: ModuleGroup.Ffn), "Text");
        var fitted = compress.Fit(data);
        var compressed = Assert.Single(LanguageModelStages.In(fitted));
        Assert.Equal("compressed-model", compressed.Kind);
        Assert.Same(compressed.Model, compress.CompressedModel.Model);
        Assert.NotEmpty(compressed.Changes);

        using var tmp = new TempFolder();
        File.WriteAllLines(tmp.File("calibration.txt"), Calibration);
        var calibration = CalibrationText.Load(new RecipeCalibration(tmp.File("calibration.txt")), tokenizer, model);
        var direct = new CompressionContext().Pruning.Wanda(sparsity: 0.5, groups: ModuleGroup.Ffn).Fit(model, calibration).Model;
        for (int i = 0; i < direct.Linears.Count; i++)
            Assert.Equal(direct.Linears[i].Weight.ToDense().ReadOnlySpan.ToArray(), compressed.Model!.Linears[i].Weight.ToDense().ReadOnlySpan.ToArray());
        // The model given is untouched: compression works on a clone.
        Assert.All(model.Linears, l => Assert.Equal(0, CompressedModel.ZeroFraction(l.Weight), 2));
        // Rows pass through.
        Assert.Equal(Calibration, fitted.Transform(data).GetColumn<string>("Text"));
    }

    [Fact]
    public void Embed_after_Compress_runs_the_compressed_model_and_the_pipeline_round_trips_through_a_zip()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var lm = _ml.Transforms.LanguageModel();
        var compress = lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(sparsity: 0.5).Append(ctx.Quantization.DynamicInt8()), "Text");
        var pipeline = compress.Append(lm.Embed(compress.CompressedModel, tokenizer, "Features"));
        var data = Fixtures.Texts(_ml, Calibration);
        var fitted = pipeline.Fit(data);

        var stages = LanguageModelStages.In(fitted);
        Assert.Equal(["compressed-model", "embed"], stages.Select(s => s.Kind));
        var compressed = stages[0].Model!;
        Assert.Same(compressed, stages[1].Model);
        Assert.Contains(compressed.Linears, l => l.Weight.Format != "dense-f32");

        // Embed equals the compressed model's own forward, and differs from the dense model's.
        var features = FeaturizerValueTests.Column(fitted.Transform(data), "Features");
        var dense = FeaturizerValueTests.Column(lm.Embed(model, tokenizer, "Features").Fit(data).Transform(data), "Features");
        var direct = FeaturizerValueTests.Column(lm.Embed(compressed, tokenizer, "Features").Fit(data).Transform(data), "Features");
        Assert.Equal(direct, features);
        Assert.NotEqual(dense[0], features[0]);

        using var tmp = new TempFolder();
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, tmp.File("compressed.zip"));
        using (var zip = System.IO.Compression.ZipFile.OpenRead(tmp.File("compressed.zip")))
            Assert.Single(zip.Entries, e => e.FullName.EndsWith("/model.safetensors", StringComparison.Ordinal));   // one model for both stages
        var loaded = _ml.Model.LoadWithLanguageModels(tmp.File("compressed.zip"), out _);
        Assert.Equal(features, FeaturizerValueTests.Column(loaded.Transform(data), "Features"));
        var reloaded = LanguageModelStages.In(loaded);
        Assert.Same(reloaded[0].Model, reloaded[1].Model);
        Assert.Equal(compressed.Linears.Select(l => l.Weight.Format), reloaded[0].Model!.Linears.Select(l => l.Weight.Format));
        Assert.Equal(stages[0].Changes.Count, reloaded[0].Changes.Count);

        // The loaded pipeline in a second process.
        File.WriteAllLines(tmp.File("texts.txt"), Calibration.Where(t => t.Length > 0));
        var (code, lines, err) = LoadCheckProcess.Run(tmp.File("compressed.zip"), tmp.File("texts.txt"), "Features");
        Assert.True(code == 0, err);
        var want = features.Where((_, i) => Calibration[i].Length > 0)
            .Select(f => string.Join(",", f.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))).ToArray();
        Assert.Equal(want, lines.Where(l => l.StartsWith('{')).Select(l => System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(l)!["Features"]).ToArray());
    }

    [Fact]
    public void A_student_distilled_on_a_column_feeds_Embed()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var lm = _ml.Transforms.LanguageModel();
        TrainingText? seen = null;
        var compress = lm.Compress(model, tokenizer, (ctx, text) =>
        {
            seen = text;
            return ctx.Distillation.Student(text, layers: [0], steps: 2);
        }, "Text", new CompressionEstimator.Options { Seed = 3, MaxTokens = 16 });
        var data = Fixtures.Texts(_ml, Calibration);
        var fitted = compress.Append(lm.Embed(compress.CompressedModel, tokenizer)).Fit(data);
        Assert.Equal(Calibration.Count(t => t.Length > 0), seen!.Rows.Count);
        Assert.All(seen.Rows, r => Assert.True(r.Length <= 16));
        var student = LanguageModelStages.In(fitted)[0].Model!;
        Assert.Equal(1, student.LayerCount);
        Assert.Equal(2, model.LayerCount);
        Assert.Equal(Calibration.Length, FeaturizerValueTests.Column(fitted.Transform(data), "Embedding").Length);
    }

    [Fact]
    public void Calibration_reads_the_column_only_up_to_its_samples()
    {
        var (model, tokenizer) = Fixtures.Bert;
        int pulled = 0;
        IEnumerable<TextOnly> Rows()
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                Interlocked.Increment(ref pulled);
                yield return new TextOnly { Text = i % 2 == 0 ? "" : "calibration row " + i };
            }
        }
        var compress = _ml.Transforms.LanguageModel().Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(sparsity: 0.5), "Text",
                                                               new CompressionEstimator.Options { Samples = 4 });
        compress.Fit(_ml.Data.LoadFromEnumerable(Rows()));
        Assert.InRange(pulled, 8, 4096);   // 4 samples among blank rows; ML.NET's cursor may read a little ahead
    }

    [Fact]
    public void A_featurizer_on_a_compressed_model_refuses_to_fit_before_its_Compress()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var lm = _ml.Transforms.LanguageModel();
        var compress = lm.Compress(model, tokenizer, ctx => ctx.Pruning.Magnitude(sparsity: 0.5), "Text");
        var e = Assert.Throws<InvalidOperationException>(() => lm.Embed(compress.CompressedModel, tokenizer).Fit(Fixtures.Texts(_ml, ["a"])));
        Assert.Contains("has not been fitted", e.Message);
    }
}
