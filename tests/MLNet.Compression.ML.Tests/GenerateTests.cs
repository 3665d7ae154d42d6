using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.ML.Tests;

/// <summary>Generate: the engine's greedy continuation, decoded without special tokens, for causal and seq2seq models, and again after a save and a load in a fresh process.</summary>
public class GenerateTests
{
    private readonly MLContext _ml = new(seed: 1);

    private static string[] Strings(IDataView data, string column)
        => data.GetColumn<ReadOnlyMemory<char>>(data.Schema[column]).Select(m => m.ToString()).ToArray();

    [Theory]
    [InlineData("gpt2_tiny")]
    [InlineData("t5_tiny")]
    public void Generate_equals_the_greedy_generator_decoded_here(string fixture)
    {
        var (model, tokenizer) = Fixtures.Load(fixture);
        string[] texts = ["The capital of France is", "a short one", "Numbers like 42"];
        var output = _ml.Transforms.LanguageModel().Generate(model, tokenizer, maxNewTokens: 6).Fit(Fixtures.Texts(_ml, texts)).Transform(Fixtures.Texts(_ml, texts));
        Assert.Equal(TextDataViewType.Instance, output.Schema["GeneratedText"].Type);
        Assert.Equal(NumberDataViewType.Int32, output.Schema["GeneratedTokens"].Type);
        var got = Strings(output, "GeneratedText");
        var counts = output.GetColumn<int>("GeneratedTokens").ToArray();
        for (int i = 0; i < texts.Length; i++)
        {
            var prompt = tokenizer.EncodeToIds(texts[i]).ToArray();
            var sequence = GreedyGenerator.Generate(model, prompt, 6);
            var generated = model.Kind == ModelKind.Seq2SeqLM ? sequence[1..] : sequence[prompt.Length..];
            Assert.InRange(generated.Length, 1, 6);
            Assert.Equal(generated.Length, counts[i]);
            Assert.Equal(tokenizer.Decode(generated, skipSpecialTokens: true), got[i]);
        }
    }

    [Fact]
    public void A_saved_Generate_pipeline_gives_the_same_text_in_a_fresh_process()
    {
        var (model, tokenizer) = Fixtures.Gpt2;
        string[] texts = ["The capital of France is", "one two three"];
        var data = Fixtures.Texts(_ml, texts);
        var fitted = _ml.Transforms.LanguageModel().Generate(model, tokenizer, maxNewTokens: 5).Fit(data);
        var expected = Strings(fitted.Transform(data), "GeneratedText");
        Assert.Contains(expected, t => t.Length > 0);

        using var tmp = new TempFolder();
        _ml.Model.SaveWithLanguageModels(fitted, data.Schema, tmp.File("model.zip"));
        File.WriteAllLines(tmp.File("texts.txt"), texts);
        var (code, lines, err) = LoadCheckProcess.Run(tmp.File("model.zip"), tmp.File("texts.txt"), "GeneratedText", "GeneratedTokens");
        Assert.True(code == 0, err);
        var rows = lines.Where(l => l.StartsWith('{')).Select(l => JsonSerializer.Deserialize<Dictionary<string, string>>(l)!).ToArray();
        Assert.Equal(expected, rows.Select(r => r["GeneratedText"]));
        Assert.Equal(fitted.Transform(data).GetColumn<int>("GeneratedTokens").Select(c => c.ToString()), rows.Select(r => r["GeneratedTokens"]));
    }

    [Fact]
    public void Generate_refuses_a_masked_LM_and_a_bad_token_count_in_one_line()
    {
        var (model, tokenizer) = Fixtures.Bert;
        var e = Assert.Throws<ArgumentException>(() => _ml.Transforms.LanguageModel().Generate(model, tokenizer));
        Assert.Contains("masked LM, which does not generate text", e.Message);
        var (gpt2, gpt2Tokenizer) = Fixtures.Gpt2;
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.LanguageModel().Generate(gpt2, gpt2Tokenizer, maxNewTokens: 0));
        Assert.Contains("Generate: maxNewTokens is 0; expected at least 1.", r.Message);
    }
}
