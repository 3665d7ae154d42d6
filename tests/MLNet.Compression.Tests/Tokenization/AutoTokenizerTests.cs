using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>AutoTokenizer loads the fixture models' tokenizer files and llama2.c's tok512.bin.</summary>
public class AutoTokenizerTests
{
    [Theory]
    [InlineData("bert_uncased_tiny", "bert", typeof(BertTokenizer), "[CLS]", "[MASK]")]
    [InlineData("roberta_tiny", "roberta", typeof(Gpt2Tokenizer), "<s>", "<mask>")]
    [InlineData("gpt2_tiny", "gpt2", typeof(Gpt2Tokenizer), null, null)]
    [InlineData("t5_tiny", "t5", typeof(T5Tokenizer), null, null)]
    public void FixtureModel_LoadsWithItsModelType(string model, string modelType, Type expected, string? first, string? mask)
    {
        string dir = TokenizerFixtures.Path("fixtures", "models", model);
        Assert.Equal(modelType, AutoTokenizer.ReadModelType(dir));
        var tok = AutoTokenizer.FromFolder(dir);
        Assert.IsType(expected, tok);
        var tokens = tok.EncodeToTokens("Paris is the capital of France.");
        if (first is not null) Assert.Equal(first, tokens[0].Value);
        Assert.Equal(mask, tok.MaskToken);
        if (mask is not null) Assert.Equal(tok.TokenToId(mask), tok.MaskTokenId);
        Assert.Equal("Paris is the capital of France.", tok.Decode(tok.EncodeToIds("Paris is the capital of France."), skipSpecialTokens: true), ignoreCase: model.Contains("uncased"));
    }

    [Theory]
    [InlineData("bert_uncased_tiny")]
    [InlineData("roberta_tiny")]
    [InlineData("gpt2_tiny")]
    [InlineData("t5_tiny")]
    public void FixtureModel_EncodesItsReferenceTextsAsTransformersDid(string model)
    {
        // reference.json keeps the texts, their unpadded input ids and tokens as transformers produced them.
        using var doc = TokenizerFixtures.Json("fixtures", "models", model, "reference.json");
        var tok = AutoTokenizer.FromFolder(TokenizerFixtures.Path("fixtures", "models", model));
        var texts = TokenizerFixtures.Strings(doc.RootElement.GetProperty("texts"));
        for (int i = 0; i < texts.Count; i++)
        {
            var input = tok.Encode(texts[i]);
            Assert.Equal(TokenizerFixtures.Ints(doc.RootElement.GetProperty("encoded_rows_unpadded")[i]), input.Ids);
            Assert.Equal(TokenizerFixtures.Strings(doc.RootElement.GetProperty("tokens_rows")[i]), input.Tokens.Select(t => t.Value));
        }
    }

    [Fact]
    public void FromFolder_RemembersTheFolder_ATokenizerBuiltInCodeHasNone()
    {
        string dir = TokenizerFixtures.Path("fixtures", "models", "bert_uncased_tiny");
        Assert.Equal(Path.GetFullPath(dir), AutoTokenizer.FromFolder(dir).SourceFolder);
        Assert.Null(BertTokenizer.FromVocabFile(Path.Combine(dir, "vocab.txt")).SourceFolder);
    }

    [Fact]
    public void T5_SentinelsAreAtTheTopOfTheVocabulary()
    {
        var tok = AutoTokenizer.FromFolder(TokenizerFixtures.Path("fixtures", "models", "t5_tiny"));
        Assert.Equal(32099, tok.GetSentinelTokenId(0));
        Assert.Equal(32000, tok.GetSentinelTokenId(99));
        Assert.Equal(32100, tok.VocabularySize);
        Assert.Equal([32099, 1], tok.EncodeToIds("<extra_id_0>"));
        Assert.Equal(1, tok.EosTokenId);
    }

    [Fact]
    public void Llama2C_Tok512_EncodesAndDecodesLikeRunC()
    {
        string dir = TokenizerFixtures.Path("data", "models", "aidreams260K");
        var tok = AutoTokenizer.FromFolder(dir);
        var l = Assert.IsType<Llama2CTokenizer>(tok);
        Assert.Equal(512, l.VocabularySize);
        string text = "Once upon a time, a little dream was flying in the sky.";
        var ids = tok.EncodeToIds(text);
        Assert.Equal(Llama2CTokenizer.BosId, ids[0]);
        Assert.DoesNotContain(ids.Skip(1), id => id == Llama2CTokenizer.BosId);
        // Decode strips the dummy-prefix space after BOS and round-trips.
        Assert.Equal(text, tok.Decode(ids));
        // Characters outside the 512-piece vocabulary fall back to bytes (id = byte + 3).
        var emoji = tok.EncodeToIds("😀", addSpecialTokens: false);
        Assert.Contains(0xF0 + 3, emoji);
        Assert.Equal(" 😀", tok.Decode(emoji));
        Assert.Equal("😀", tok.Decode([1, .. emoji]));
    }

    [Fact]
    public void Llama2C_MergesPickTheBestScoredPair()
    {
        // A hand-made vocabulary: "ab" (score 2) beats "bc" (score 1) in "abc", then "abc" is not a piece.
        var pieces = new[] { "<unk>", "\n<s>\n", "\n</s>\n" }.Concat(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"))
            .Concat([" ", "a", "b", "c", "ab", "bc", " ab"]).Select(s => System.Text.Encoding.UTF8.GetBytes(s)).ToList();
        var scores = pieces.Select((_, i) => 0f).ToArray();
        int ab = 259 + 4, bc = 259 + 5, spAb = 259 + 6;
        scores[ab] = 2; scores[bc] = 1; scores[spAb] = 3;
        var tok = new Llama2CTokenizer(pieces, scores, 4);
        Assert.Equal([1, spAb, 259 + 3], tok.EncodeToIds("abc"));
    }
}
