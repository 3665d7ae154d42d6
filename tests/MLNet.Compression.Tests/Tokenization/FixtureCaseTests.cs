using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>The 41 tricky strings per small vocabulary (fixtures/tokenizers/*/cases.json) match transformers exactly.</summary>
public class FixtureCaseTests
{
    public static IEnumerable<object[]> Cases() =>
        new[] { "wordpiece_uncased", "wordpiece_cased", "bpe_bytelevel", "unigram_t5" }.SelectMany(TokenizerFixtures.SmallCases);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_MatchesTransformers(string folder, int index)
    {
        using var doc = TokenizerFixtures.Json("fixtures", "tokenizers", folder, "cases.json");
        var c = doc.RootElement.GetProperty("cases")[index];
        string text = c.GetProperty("text").GetString()!;
        var tok = TokenizerFixtures.Small(folder);

        Assert.Equal(TokenizerFixtures.Strings(c.GetProperty("tokens")), tok.Tokenize(text));
        var ids = TokenizerFixtures.Ints(c.GetProperty("ids"));
        Assert.Equal(ids, tok.EncodeToIds(text));
        if (c.TryGetProperty("ids_no_special", out var noSpecial))
            Assert.Equal(TokenizerFixtures.Ints(noSpecial), tok.EncodeToIds(text, addSpecialTokens: false));
        if (c.TryGetProperty("sp_ids", out var spIds))
            Assert.Equal(TokenizerFixtures.Ints(spIds), ((SentencePieceTokenizer)tok).Processor.EncodeToIds(text));
        // Each file says how "decoded" was made: GPT-2's is decode(ids), the others skip special tokens.
        bool skip = doc.RootElement.GetProperty("fields").GetProperty("decoded").GetString()!.Contains("skip_special_tokens=True");
        Assert.Equal(c.GetProperty("decoded").GetString(), tok.Decode(ids, skipSpecialTokens: skip));
        Assert.Equal(ids.Count, tok.CountTokens(text));
    }
}
