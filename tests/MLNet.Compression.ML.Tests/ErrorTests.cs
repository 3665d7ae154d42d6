using System.IO.Compression;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.Pruning;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Tests;

/// <summary>Bad input gives one-line errors naming the column, the zip or the entry.</summary>
public class ErrorTests
{
    private readonly MLContext _ml = new(seed: 1);

    public sealed class NoText
    {
        public bool Label { get; set; }
        public float Other { get; set; }
    }

    private static void AssertOneLine(string message) => Assert.DoesNotContain('\n', message);

    private IDataView NoTextData() => _ml.Data.LoadFromEnumerable(new[] { new NoText { Label = true, Other = 1 } });

    [Fact]
    public void A_missing_input_column_is_named_with_the_columns_there_are()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var embed = _ml.Transforms.LanguageModel().Embed(model, tokenizer, inputColumnName: "Sentence");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => embed.Fit(NoTextData()));
        Assert.StartsWith("Embed: input column 'Sentence' is not in the data (its columns: Label, Other).", e.Message);
        AssertOneLine(e.Message);
        // Through a chain, ML.NET propagates the schema first and the same error comes from GetOutputSchema.
        var chain = embed.Append(_ml.Transforms.CopyColumns("X", "Embedding"));
        Assert.StartsWith("Embed: input column 'Sentence' is not in the data", Assert.Throws<ArgumentOutOfRangeException>(() => chain.Fit(NoTextData())).Message);
    }

    [Fact]
    public void A_column_that_is_not_text_is_named_with_its_type()
    {
        var (model, tokenizer) = Fixtures.Gpt2;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.LanguageModel().LogLikelihood(model, tokenizer, inputColumnName: "Label").Fit(NoTextData()));
        Assert.StartsWith("LogLikelihood: input column 'Label' holds Boolean, not text", e.Message);
        var shape = SchemaTests.ShapeOf(NoTextData().Schema);
        var viaShape = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.LanguageModel().TokenIds(tokenizer, inputColumnName: "Other").GetOutputSchema(shape));
        Assert.StartsWith("TokenIds: input column 'Other' holds Single, not text", viaShape.Message);
    }

    [Fact]
    public void Compress_names_a_missing_or_non_text_calibration_column()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var lm = _ml.Transforms.LanguageModel();
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() => lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(0.5), "Calibration").Fit(NoTextData()));
        Assert.StartsWith("Compress: input column 'Calibration' is not in the data", missing.Message);
        var notText = Assert.Throws<ArgumentOutOfRangeException>(() => lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(0.5), "Other").Fit(NoTextData()));
        Assert.StartsWith("Compress: input column 'Other' holds Single, not text", notText.Message);
    }

    [Fact]
    public void Compress_refuses_an_empty_calibration_view_and_a_column_of_empty_text()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var lm = _ml.Transforms.LanguageModel();
        var empty = Assert.Throws<InvalidDataException>(() => lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(0.5)).Fit(Fixtures.Texts(_ml, [])));
        Assert.Equal("Compress: calibration column 'Text' has no rows; compression needs calibration text.", empty.Message);
        var blank = Assert.Throws<InvalidDataException>(() => lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(0.5)).Fit(Fixtures.Texts(_ml, ["", "  "])));
        Assert.Equal("Compress: calibration column 'Text' has only empty text in its 2 rows.", blank.Message);
    }

    [Fact]
    public void A_tokenizer_not_read_from_a_folder_is_refused_when_the_stage_is_made()
    {
        var (model, _) = Fixtures.Bert;
        var inCode = BertTokenizer.FromVocabFile(Path.Combine(Fixtures.Model("bert_uncased_tiny"), "vocab.txt"));
        var e = Assert.Throws<ArgumentException>(() => _ml.Transforms.LanguageModel().Embed(model, inCode));
        Assert.Contains("load it with AutoTokenizer.FromFolder", e.Message);
    }

    /// <summary>A fitted Embed pipeline saved with its model; returns the zip's path.</summary>
    private string SavedPipeline(TempFolder tmp)
    {
        var (model, tokenizer) = Fixtures.Bert;
        var data = Fixtures.Texts(_ml, ["hello"]);
        var fitted = _ml.Transforms.LanguageModel().Embed(model, tokenizer).Fit(data);
        string zip = tmp.File("model.zip");
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, zip);
        return zip;
    }

    /// <summary>Rewrites the zip, dropping or changing one entry.</summary>
    private static void Edit(string zipPath, string entryName, byte[]? replacement)
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update);
        var entry = zip.GetEntry(entryName) ?? throw new InvalidOperationException("no entry " + entryName);
        entry.Delete();
        if (replacement is null) return;
        using var s = zip.CreateEntry(entryName).Open();
        s.Write(replacement);
    }

    [Fact]
    public void A_zip_with_a_stage_entry_removed_names_the_zip_and_the_entry()
    {
        using var tmp = new TempFolder();
        string zip = SavedPipeline(tmp);
        Edit(zip, "MLNet.Compression/assets/0/model.safetensors", null);
        var e = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadWithLanguageModels(zip, out _));
        Assert.Equal($"{zip}: entry 'MLNet.Compression/assets/0/model.safetensors' is missing; the language-model stages cannot be restored (was the zip edited?).", e.Message);
    }

    [Fact]
    public void A_zip_with_a_damaged_stage_entry_names_the_zip_and_the_entry()
    {
        using var tmp = new TempFolder();
        string zip = SavedPipeline(tmp);
        Edit(zip, "MLNet.Compression/assets/0/config.json", "{\"model_type\": \"bert\"}"u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadWithLanguageModels(zip, out _));
        Assert.StartsWith($"{zip}: entry 'MLNet.Compression/assets/0/config.json' is damaged:", e.Message);
        AssertOneLine(e.Message);
    }

    [Fact]
    public void A_zip_whose_stages_json_is_gone_or_broken_is_named()
    {
        using var tmp = new TempFolder();
        string zip = SavedPipeline(tmp);
        File.Copy(zip, tmp.File("broken.zip"));
        Edit(tmp.File("broken.zip"), "MLNet.Compression/stages.json", "{\"format\": \"something else\"}"u8.ToArray());
        var broken = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadWithLanguageModels(tmp.File("broken.zip"), out _));
        Assert.Equal($"{tmp.File("broken.zip")}: entry 'MLNet.Compression/stages.json' has format 'something else', expected 'mlnet-compression-ml-stages'.", broken.Message);

        Edit(zip, "MLNet.Compression/stages.json", null);
        var gone = Assert.Throws<InvalidDataException>(() => _ml.Model.LoadWithLanguageModels(zip, out _));
        Assert.StartsWith($"{zip}: the pipeline has more language-model stages than stages.json lists", gone.Message);
        AssertOneLine(gone.Message);
    }

    [Fact]
    public void Plain_Model_Load_is_refused_with_a_pointer_to_LoadWithLanguageModels()
    {
        using var tmp = new TempFolder();
        string zip = SavedPipeline(tmp);
        // ML.NET calls its loaders through reflection (the chain's, then the mapping's), so the stage's error is inside.
        Exception e = Assert.Throws<TargetInvocationException>(() => _ml.Model.Load(zip, out _));
        while (e is TargetInvocationException { InnerException: { } next }) e = next;
        var inner = Assert.IsType<InvalidOperationException>(e);
        Assert.Contains("load it with mlContext.Model.LoadWithLanguageModels", inner.Message);
        AssertOneLine(inner.Message);
    }

    [Fact]
    public void A_plain_ML_NET_zip_loads_through_LoadWithLanguageModels()
    {
        // A zip with no language-model stage loads through LoadWithLanguageModels as through Model.Load.
        using var tmp = new TempFolder();
        var data = Fixtures.Texts(_ml, ["a"]);
        var plain = _ml.Transforms.CopyColumns("Copy", "Text").Fit(data);
        _ml.Model.Save(plain, data.Schema, tmp.File("plain.zip"));
        var loaded = _ml.Model.LoadWithLanguageModels(tmp.File("plain.zip"), out _);
        Assert.Empty(LanguageModelStages.In(loaded));
        Assert.Equal(["a"], loaded.Transform(data).GetColumn<string>("Copy"));
    }

    [Fact]
    public void A_missing_zip_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => _ml.Model.LoadWithLanguageModels("/no/such/model.zip", out _));
        Assert.Equal("/no/such/model.zip: file not found.", e.Message);
    }
}
