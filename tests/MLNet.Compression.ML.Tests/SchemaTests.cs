using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Compression.ML.Tests;

public class SchemaTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static void AssertVector(DataViewSchema schema, string name, Type item, int size)
    {
        var type = Assert.IsType<VectorDataViewType>(schema[name].Type, exactMatch: false);
        Assert.Equal(item, type.ItemType.RawType);
        Assert.Equal(size, type.Size);
    }

    /// <summary>SchemaShape.Create is internal; EstimatorChain.Fit calls it the same way before fitting.</summary>
    internal static SchemaShape ShapeOf(DataViewSchema schema)
        => (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.Invoke(null, [schema])!;

    private static void AssertNoInternalColumns(DataViewSchema schema)
        => Assert.DoesNotContain(schema, c => c.Name.StartsWith("__mlnet_lm_", StringComparison.Ordinal));

    [Fact]
    public void Embed_adds_a_float_vector_of_the_hidden_size_under_the_users_name()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var data = _ml.Data.LoadFromEnumerable(new[] { new LabelledRow { Text = "hello" } });
        var estimator = _ml.Transforms.LanguageModel().Embed(model, tokenizer, outputColumnName: "Features", inputColumnName: "Text");
        var schema = estimator.Fit(data).GetOutputSchema(data.Schema);
        AssertVector(schema, "Features", typeof(float), model.HiddenSize);
        Assert.Equal(["Text", "Label", "Features"], schema.Where(c => !c.IsHidden).Select(c => c.Name));
        AssertNoInternalColumns(schema);

        var shape = estimator.GetOutputSchema(ShapeOf(data.Schema));
        var column = shape.Single(c => c.Name == "Features");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, column.Kind);
        Assert.Equal(typeof(float), column.ItemType.RawType);
    }

    [Fact]
    public void TokenIds_adds_two_int_vectors_of_the_chosen_length()
    {
        var (_, tokenizer) = Fixtures.Bert;
        var data = Fixtures.Texts(_ml, ["hello world"]);
        var schema = _ml.Transforms.LanguageModel().TokenIds(tokenizer, maxTokens: 16).Fit(data).GetOutputSchema(data.Schema);
        AssertVector(schema, "TokenIds", typeof(int), 16);
        AssertVector(schema, "AttentionMask", typeof(int), 16);
        AssertNoInternalColumns(schema);
    }

    [Fact]
    public void LogLikelihood_adds_three_scalars()
    {
        var (model, tokenizer) = Fixtures.Gpt2;
        var data = Fixtures.Texts(_ml, ["hello world"]);
        var schema = _ml.Transforms.LanguageModel().LogLikelihood(model, tokenizer).Fit(data).GetOutputSchema(data.Schema);
        Assert.Equal(NumberDataViewType.Single, schema["LogLikelihood"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["Perplexity"].Type);
        Assert.Equal(NumberDataViewType.Int32, schema["ScoredTokens"].Type);
        AssertNoInternalColumns(schema);
    }

    [Fact]
    public void FillMask_adds_text_score_and_id_vectors_of_k()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var data = Fixtures.Texts(_ml, ["paris is the capital of [MASK]."]);
        var schema = _ml.Transforms.LanguageModel().FillMask(model, tokenizer, topK: 10).Fit(data).GetOutputSchema(data.Schema);
        AssertVector(schema, "FilledTokens", typeof(ReadOnlyMemory<char>), 10);
        AssertVector(schema, "FilledScores", typeof(float), 10);
        AssertVector(schema, "FilledTokenIds", typeof(int), 10);
        AssertNoInternalColumns(schema);
    }

    [Fact]
    public void An_unsupported_size_names_it_and_the_supported_sizes()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var lm = _ml.Transforms.LanguageModel();
        var ids = Assert.Throws<ArgumentOutOfRangeException>(() => lm.TokenIds(tokenizer, maxTokens: 100));
        Assert.Contains("a length of 100 is not supported; supported: 16, 32, 64, 128, 256, 512", ids.Message);
        var k = Assert.Throws<ArgumentOutOfRangeException>(() => lm.FillMask(model, tokenizer, topK: 3));
        Assert.Contains("top-k of 3 is not supported; supported: 1, 5, 10, 20", k.Message);
    }

    [Fact]
    public void The_user_may_name_the_output_after_the_input()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var data = Fixtures.Texts(_ml, ["hello"]);
        var schema = _ml.Transforms.LanguageModel().Embed(model, tokenizer, outputColumnName: "Text", inputColumnName: "Text").Fit(data).GetOutputSchema(data.Schema);
        AssertVector(schema, "Text", typeof(float), model.HiddenSize);
    }
}
