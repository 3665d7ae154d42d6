using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>The real BERT, GPT-2, RoBERTa and T5 vocabularies on 60 LAMA / CrowS-Pairs / StereoSet / tricky strings (fixtures/tokenizers/real_cases.json).</summary>
public class RealVocabularyTests
{
    public static IEnumerable<object[]> Cases() =>
        new[] { "bert-base-uncased", "bert-base-cased", "gpt2", "roberta-base", "t5" }.SelectMany(TokenizerFixtures.RealCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_MatchesTransformers(string name, int index)
    {
        using var doc = TokenizerFixtures.Json("fixtures", "tokenizers", "real_cases.json");
        string text = doc.RootElement.GetProperty("texts")[index].GetProperty("text").GetString()!;
        var c = doc.RootElement.GetProperty("tokenizers").GetProperty(name).GetProperty("cases")[index];
        var tok = TokenizerFixtures.Real(name);

        Assert.Equal(TokenizerFixtures.Strings(c.GetProperty("tokens")), tok.Tokenize(text));
        var ids = TokenizerFixtures.Ints(c.GetProperty("ids"));
        Assert.Equal(ids, tok.EncodeToIds(text));
        Assert.Equal(TokenizerFixtures.Ints(c.GetProperty("ids_no_special")), tok.EncodeToIds(text, addSpecialTokens: false));
        Assert.Equal(c.GetProperty("decoded").GetString(), tok.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: true));
        Assert.Equal(c.GetProperty("decoded_raw").GetString(), tok.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: false));
    }
}
