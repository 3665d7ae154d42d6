using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>Offsets, pairs with token type ids, truncation, and the special-token helpers the evaluators use.</summary>
public class EncodingApiTests
{
    private static List<string> Spans(Tokenizer tok, string text, bool special = false) =>
        tok.EncodeToTokens(text, special).Select(t => text[t.Offset]).ToList();

    [Fact]
    public void Offsets_PointAtTheOriginalText()
    {
        Assert.Equal(["Hello", ",", " world", "!"], Spans(TokenizerFixtures.Real("gpt2"), "Hello, world!"));
        Assert.Equal(["Café", "naïve", "!"], Spans(TokenizerFixtures.Real("bert-base-uncased"), "Café  naïve!"));
        Assert.Equal(["Paris", " is", " here"], Spans(TokenizerFixtures.Real("t5"), "Paris is here"));
        var bert = TokenizerFixtures.Real("bert-base-uncased").EncodeToTokens("unaffable");
        Assert.Equal(["[CLS]", "una", "##ffa", "##ble", "[SEP]"], bert.Select(t => t.Value));
        Assert.Equal([(0, 0), (0, 3), (3, 6), (6, 9), (9, 9)], bert.Select(t => (t.Start, t.End)));
        Assert.Equal(["😀"], Spans(TokenizerFixtures.Real("bert-base-cased"), " 😀 "));
    }

    [Fact]
    public void Pair_BertHasTypeIdsOneForTheSecondText()
    {
        var e = TokenizerFixtures.Real("bert-base-uncased").Encode("a b", "c");
        Assert.Equal([101, 1037, 1038, 102, 1039, 102], e.Ids);
        Assert.Equal([0, 0, 0, 0, 1, 1], e.TypeIds);
        Assert.Equal([1, 0, 0, 1, 0, 1], e.SpecialTokensMask);
        Assert.Equal(4, e.SecondSequenceStart);
    }

    [Fact]
    public void Pair_RobertaAndT5Layouts()
    {
        Assert.Equal([0, 102, 2, 2, 438, 2], TokenizerFixtures.Real("roberta-base").Encode("a", "c").Ids);
        Assert.Equal([3, 9, 1, 3, 75, 1], TokenizerFixtures.Real("t5").Encode("a", "c").Ids);
        Assert.Equal([64, 66], TokenizerFixtures.Real("gpt2").Encode("a", "c").Ids);
    }

    [Fact]
    public void Truncation_KeepsSpecialTokensAndCutsLongestFirst()
    {
        var bert = TokenizerFixtures.Real("bert-base-uncased");
        Assert.Equal([101, 1037, 1038, 102], bert.EncodeToIds("a b c d e", maxTokenCount: 4));
        var pair = bert.Encode("a b c d e", "f g", truncation: true, maxLength: 8);
        Assert.Equal([101, 1037, 1038, 1039, 102, 1042, 1043, 102], pair.Ids);
        var pair2 = bert.Encode("a b", "c d e f", truncation: true, maxLength: 7);
        Assert.Equal([101, 1037, 1038, 102, 1039, 1040, 102], pair2.Ids);
        bert.ModelMaxLength = 512;
        Assert.Equal(512, bert.Encode(string.Join(' ', Enumerable.Repeat("word", 600)), truncation: true).Count);
        bert.ModelMaxLength = int.MaxValue;
    }

    [Fact]
    public void SpecialTokenHelpers()
    {
        var bert = TokenizerFixtures.Real("bert-base-uncased");
        Assert.Equal("[MASK]", bert.MaskToken);
        Assert.Equal(103, bert.MaskTokenId);
        Assert.Equal(101, bert.ClsTokenId);
        Assert.Equal(102, bert.SepTokenId);
        var roberta = TokenizerFixtures.Real("roberta-base");
        Assert.Equal(50264, roberta.MaskTokenId);
        // <mask> takes the space before it.
        Assert.Equal([0, 32826, 16, 5, 812, 9, 50264, 4, 2], roberta.EncodeToIds("Paris is the capital of <mask>."));
        var t5 = TokenizerFixtures.Real("t5");
        Assert.Null(t5.MaskToken);
        Assert.Equal(32099, t5.GetSentinelTokenId(0));
        Assert.Equal(32098, t5.GetSentinelTokenId(1));
        Assert.Equal("<extra_id_0>", t5.IdToToken(32099));
        Assert.Equal(32100, t5.VocabularySize);
        Assert.Equal(50257, TokenizerFixtures.Real("gpt2").VocabularySize);
        Assert.Equal(5, bert.CountTokens("a b c"));
        Assert.Equal(3, bert.CountTokens("a b c", addSpecialTokens: false));
    }
}
