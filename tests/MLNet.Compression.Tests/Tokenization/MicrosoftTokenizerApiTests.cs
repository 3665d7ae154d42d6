using System.Buffers;
using System.Globalization;
using System.Text;
using MLNet.Compression.Tokenization;
using EncodedToken = Microsoft.ML.Tokenizers.EncodedToken;
using MLTokenizer = Microsoft.ML.Tokenizers.Tokenizer;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>
/// Every tokenizer kind used through a variable of type Microsoft.ML.Tokenizers <c>Tokenizer</c>, as an app that takes
/// one would use it: ids, tokens, counts and text equal this project's own API and transformers' expected ids, and
/// <c>maxTokenCount</c> keeps whole words as Microsoft.ML.Tokenizers' own tokenizers do.
/// </summary>
public class MicrosoftTokenizerApiTests
{
    private static readonly string[] RealNames = ["bert-base-uncased", "bert-base-cased", "gpt2", "roberta-base", "t5"];

    private static List<string> RealTexts()
    {
        using var doc = TokenizerFixtures.Json("fixtures", "tokenizers", "real_cases.json");
        return doc.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetProperty("text").GetString()!).ToList();
    }

    public static IEnumerable<object[]> RealCases() => RealNames.SelectMany(TokenizerFixtures.RealCases);

    [Theory]
    [MemberData(nameof(RealCases))]
    public void RealCase_ThroughMicrosoftTokenizer_MatchesTransformersAndOwnApi(string name, int index)
    {
        using var doc = TokenizerFixtures.Json("fixtures", "tokenizers", "real_cases.json");
        string text = doc.RootElement.GetProperty("texts")[index].GetProperty("text").GetString()!;
        var c = doc.RootElement.GetProperty("tokenizers").GetProperty(name).GetProperty("cases")[index];
        var own = TokenizerFixtures.Real(name);
        MLTokenizer ml = own;
        var ids = TokenizerFixtures.Ints(c.GetProperty("ids"));

        Assert.Equal(ids, ml.EncodeToIds(text));
        Assert.Equal(ids, ml.EncodeToIds(text.AsSpan()));
        Assert.Equal(ids.Count, ml.CountTokens(text));
        Assert.Equal(ids.Count, ml.CountTokens(text.AsSpan()));

        var tokens = ml.EncodeToTokens(text, out string? normalized);
        Assert.Null(normalized);
        Assert.Equal(ids, tokens.Select(t => t.Id));
        Assert.Equal(own.EncodeToTokens(text), tokens);
        // BERT and RoBERTa put one special token in front; the tokens between are transformers' tokenize(text).
        int lead = name is "gpt2" or "t5" ? 0 : 1;
        var expectedTokens = TokenizerFixtures.Strings(c.GetProperty("tokens"));
        Assert.Equal(expectedTokens, tokens.Skip(lead).Take(expectedTokens.Count).Select(t => t.Value));
        AssertOffsetsInside(text, tokens);

        Assert.Equal(c.GetProperty("decoded").GetString(), ml.Decode(ids));
        Assert.Equal(own.Decode(ids, skipSpecialTokens: true), ml.Decode(ids));
    }

    public static IEnumerable<object[]> SmallCases() =>
        new[] { "wordpiece_uncased", "wordpiece_cased", "bpe_bytelevel", "unigram_t5" }.SelectMany(TokenizerFixtures.SmallCases);

    [Theory]
    [MemberData(nameof(SmallCases))]
    public void SmallVocabularyCase_ThroughMicrosoftTokenizer_MatchesTransformersAndOwnApi(string folder, int index)
    {
        using var doc = TokenizerFixtures.Json("fixtures", "tokenizers", folder, "cases.json");
        var c = doc.RootElement.GetProperty("cases")[index];
        string text = c.GetProperty("text").GetString()!;
        var own = TokenizerFixtures.Small(folder);
        MLTokenizer ml = own;
        var ids = TokenizerFixtures.Ints(c.GetProperty("ids"));

        Assert.Equal(ids, ml.EncodeToIds(text));
        Assert.Equal(ids.Count, ml.CountTokens(text));
        var tokens = ml.EncodeToTokens(text, out _);
        Assert.Equal(own.EncodeToTokens(text), tokens);
        AssertOffsetsInside(text, tokens);
        Assert.Equal(own.Decode(ids, skipSpecialTokens: true), ml.Decode(ids));
        bool skip = doc.RootElement.GetProperty("fields").GetProperty("decoded").GetString()!.Contains("skip_special_tokens=True");
        if (skip) Assert.Equal(c.GetProperty("decoded").GetString(), ml.Decode(ids));
    }

    [Theory]
    [InlineData("bert_uncased_tiny")]
    [InlineData("roberta_tiny")]
    [InlineData("gpt2_tiny")]
    [InlineData("t5_tiny")]
    public void FixtureModelFolder_ThroughMicrosoftTokenizer_EncodesItsReferenceTexts(string model)
    {
        using var doc = TokenizerFixtures.Json("fixtures", "models", model, "reference.json");
        var own = AutoTokenizer.FromFolder(TokenizerFixtures.Path("fixtures", "models", model));
        MLTokenizer ml = own;
        var texts = TokenizerFixtures.Strings(doc.RootElement.GetProperty("texts"));
        for (int i = 0; i < texts.Count; i++)
        {
            var ids = TokenizerFixtures.Ints(doc.RootElement.GetProperty("encoded_rows_unpadded")[i]);
            Assert.Equal(ids, ml.EncodeToIds(texts[i]));
            Assert.Equal(ids.Count, ml.CountTokens(texts[i]));
            var tokens = ml.EncodeToTokens(texts[i], out _);
            Assert.Equal(TokenizerFixtures.Strings(doc.RootElement.GetProperty("tokens_rows")[i]), tokens.Select(t => t.Value));
            Assert.Equal(own.EncodeToTokens(texts[i]), tokens);
            Assert.Equal(own.Decode(ids, skipSpecialTokens: true), ml.Decode(ids));
        }
    }

    [Fact]
    public void Llama2C_ThroughMicrosoftTokenizer_MatchesOwnApi()
    {
        var own = AutoTokenizer.FromFolder(TokenizerFixtures.Path("data", "models", "aidreams260K"));
        MLTokenizer ml = own;
        foreach (var text in RealTexts())
        {
            Assert.Equal(own.EncodeToIds(text), ml.EncodeToIds(text));
            Assert.Equal(own.EncodeToTokens(text), ml.EncodeToTokens(text, out _));
            Assert.Equal(own.CountTokens(text), ml.CountTokens(text));
            Assert.Equal(own.Decode(own.EncodeToIds(text)), ml.Decode(ml.EncodeToIds(text)));
        }
    }

    private static void AssertOffsetsInside(string text, IReadOnlyList<EncodedToken> tokens)
    {
        foreach (var t in tokens)
        {
            Assert.False(t.Offset.Start.IsFromEnd || t.Offset.End.IsFromEnd);
            Assert.InRange(t.Start, 0, text.Length);
            Assert.InRange(t.End, t.Start, text.Length);
        }
    }

    /// <summary>
    /// Where words start in the tokens of <paramref name="text"/> without special tokens, found independently of the
    /// tokenizer's own marks: WordPiece continuations begin with "##", byte-level BPE words begin where GPT-2's pattern
    /// matches, SentencePiece words begin with "▁"; an added token (a mask, a sentinel) is a word of its own.
    /// </summary>
    private static bool[] WordStarts(string name, string text, IReadOnlyList<EncodedToken> body, Tokenizer own)
    {
        var added = own is PreTrainedTokenizer p ? p.AddedTokens : new Dictionary<int, AddedToken>();
        var patternStarts = new HashSet<int>();
        if (name is "gpt2" or "roberta-base")
        {
            var ranges = new List<(int Start, int End)>();
            Gpt2PreTokenizer.Split(text, 0, text.Length, ranges);
            foreach (var (s, _) in ranges) patternStarts.Add(s);
        }
        var starts = new bool[body.Count];
        for (int j = 0; j < body.Count; j++)
        {
            var t = body[j];
            starts[j] = j == 0 || IsAdded(j) || IsAdded(j - 1) || name switch
            {
                "gpt2" or "roberta-base" => patternStarts.Contains(t.Start) && t.Start != body[j - 1].Start,
                "t5" => t.Value.StartsWith('\u2581'),
                _ => !t.Value.StartsWith("##", StringComparison.Ordinal),
            };
        }
        return starts;

        // Matched whole in the text (an unknown piece has the unknown token's id but its own text as value).
        bool IsAdded(int j) => added.TryGetValue(body[j].Id, out var a) && a.Content == body[j].Value && body[j].End > body[j].Start;
    }

    public static IEnumerable<object[]> RealNamesData() => RealNames.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(RealNamesData))]
    public void MaxTokenCount_KeepsTheSpecialTokensAndTheMostLeadingWholeWordsThatFit(string name)
    {
        var own = TokenizerFixtures.Real(name);
        MLTokenizer ml = own;
        foreach (var text in RealTexts())
        {
            var full = ml.EncodeToIds(text);
            var body = own.EncodeToTokens(text, addSpecialTokens: false);
            int added = full.Count - body.Count;
            var starts = WordStarts(name, text, body, own);
            for (int max = 1; max <= full.Count + 1; max++)
            {
                var ids = ml.EncodeToIds(text, max, out string? normalized, out int consumed);
                int index = ml.GetIndexByTokenCount(text, max, out string? normalized2, out int tokenCount);
                Assert.Null(normalized);
                Assert.Null(normalized2);
                Assert.Equal(consumed, index);
                Assert.Equal(ids.Count, tokenCount);
                if (max >= full.Count)
                {
                    Assert.Equal(full, ids);
                    Assert.Equal(text.Length, consumed);
                    continue;
                }
                if (max < added)
                {
                    Assert.Empty(ids);
                    Assert.Equal(0, consumed);
                    continue;
                }
                // The most leading words whose tokens fit beside the special tokens.
                int kept = 0;
                for (int j = 1; j <= body.Count; j++)
                    if ((j == body.Count || starts[j]) && j <= max - added) kept = j;
                Assert.InRange(ids.Count, 0, max);
                Assert.Equal(kept == 0 ? 0 : body.Take(kept).Max(t => t.End), consumed);
                Assert.Equal(kept, own.EncodeToIds(text[..consumed], addSpecialTokens: false).Count);
                Assert.Equal(body.Take(kept).Select(t => t.Id), ids.Skip(name is "gpt2" or "t5" ? 0 : 1).Take(kept));
                // What was kept is what the kept text encodes to, special tokens included (T5 adds no second </s>).
                Assert.Equal(ml.EncodeToIds(text[..consumed]), ids);
            }
        }
    }

    [Theory]
    [MemberData(nameof(RealNamesData))]
    public void GetIndexByTokenCountFromEnd_KeepsTheMostTrailingWholeWordsThatFit(string name)
    {
        var own = TokenizerFixtures.Real(name);
        MLTokenizer ml = own;
        foreach (var text in RealTexts())
        {
            var full = ml.EncodeToIds(text);
            var body = own.EncodeToTokens(text, addSpecialTokens: false);
            int added = full.Count - body.Count;
            var starts = WordStarts(name, text, body, own);
            for (int max = Math.Max(1, added); max <= full.Count; max++)
            {
                int index = ml.GetIndexByTokenCountFromEnd(text, max, out string? normalized, out int tokenCount);
                Assert.Null(normalized);
                if (max == full.Count)
                {
                    Assert.Equal(0, index);
                    Assert.Equal(full.Count, tokenCount);
                    continue;
                }
                int from = body.Count;
                for (int j = body.Count - 1; j >= 0; j--)
                    if (starts[j] && body.Count - j <= max - added) from = j;
                Assert.Equal(body.Count - from + added, tokenCount);
                Assert.Equal(from == body.Count ? text.Length : body[from].Start, index);
            }
        }
    }

    [Fact]
    public void T5_TextEndingInEos_GetsNoSecondEosOnEveryPath()
    {
        // transformers' T5Tokenizer._add_eos_if_not_present: "Paris</s>" ends with one </s> (id 1), not two.
        var own = TokenizerFixtures.Real("t5");
        MLTokenizer ml = own;
        int[] expected = [1919, 1];
        Assert.Equal(expected, ml.EncodeToIds("Paris</s>"));
        Assert.Equal(expected, ml.EncodeToTokens("Paris</s>", out _).Select(t => t.Id));
        Assert.Equal(expected, own.Encode("Paris</s>").Ids);
        Assert.Equal(2, ml.CountTokens("Paris</s>"));
        Assert.Equal(expected, ml.EncodeToIds("Paris"));
    }

    [Fact]
    public void MaxTokenCount_BelowOneIsRejected()
    {
        MLTokenizer ml = TokenizerFixtures.Real("bert-base-uncased");
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.EncodeToIds("a b c", 0, out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.GetIndexByTokenCount("a b c", -1, out _, out _));
    }

    [Fact]
    public void MaxTokenCount_BertWordIsKeptWholeOrDropped()
    {
        MLTokenizer ml = TokenizerFixtures.Real("bert-base-uncased");
        // "unaffable" is una ##ffa ##ble: with room for two of its three pieces it is dropped, not cut.
        Assert.Equal([101, 2003, 102], ml.EncodeToIds("is unaffable", 5, out _, out int consumed));
        Assert.Equal(2, consumed);
        Assert.Equal([101, 2003, 14477, 20961, 3468, 102], ml.EncodeToIds("is unaffable", 6, out _, out consumed));
        Assert.Equal(12, consumed);
        // Hugging Face's truncation, this type's own overload, cuts inside the word.
        Assert.Equal([101, 2003, 14477, 20961, 102], TokenizerFixtures.Real("bert-base-uncased").EncodeToIds("is unaffable", maxTokenCount: 5));
    }

    [Fact]
    public void ConsiderNormalization_False_BertUncasedTakesTextThatIsLowerCasedAndStrippedAlready()
    {
        MLTokenizer ml = TokenizerFixtures.Real("bert-base-uncased");
        Assert.Equal([101, 100, 102], ml.EncodeToIds("Paris", considerNormalization: false));
        Assert.Equal([101, 3000, 102], ml.EncodeToIds("Paris"));
        // Texts without special tokens, lower-cased and stripped by hand, encode as the originals do; "Café" would not.
        var texts = RealTexts().Where(t => !t.Contains('[')).ToList();
        Assert.True(texts.Count > 40);
        foreach (var text in texts)
        {
            string normalized = LowerAndStripAccents(text);
            Assert.Equal(ml.EncodeToIds(text), ml.EncodeToIds(normalized, considerNormalization: false));
        }
        Assert.NotEqual(ml.EncodeToIds("Café"), ml.EncodeToIds("Café", considerNormalization: false));
    }

    /// <summary>
    /// BERT's normalization written out (Hugging Face's BertNormalizer): drop NUL, U+FFFD and control characters, spaces
    /// around CJK ideographs, lower-case, decompose (NFD), drop non-spacing marks.
    /// </summary>
    private static string LowerAndStripAccents(string text)
    {
        var sb = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || TextRules.IsBertControl(cp)) continue;
            if (TextRules.IsCjk(cp)) sb.Append(' ').Append(rune.ToString()).Append(' ');
            else sb.Append(rune.ToString());
        }
        var stripped = new StringBuilder();
        foreach (char c in sb.ToString().ToLowerInvariant().Normalize(NormalizationForm.FormD))
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) stripped.Append(c);
        return stripped.ToString();
    }

    [Fact]
    public void ConsiderNormalization_False_T5SkipsTheCharacterMapButKeepsItsSpaces()
    {
        MLTokenizer ml = TokenizerFixtures.Real("t5");
        // nmt_nfkc maps the ligature "ﬁ" to "fi"; without it the ligature is an unknown piece.
        Assert.Equal(ml.EncodeToIds("fine day"), ml.EncodeToIds("\uFB01ne day"));
        Assert.NotEqual(ml.EncodeToIds("fine day"), ml.EncodeToIds("\uFB01ne day", considerNormalization: false));
        Assert.Contains(2, ml.EncodeToIds("\uFB01ne day", considerNormalization: false));
        Assert.Equal(ml.EncodeToIds("fine  day"), ml.EncodeToIds("fine  day", considerNormalization: false));
    }

    [Fact]
    public void ConsiderPreTokenization_False_BertHandsTheWholeTextToWordPiece()
    {
        MLTokenizer ml = TokenizerFixtures.Real("bert-base-uncased");
        Assert.Equal([101, 100, 102], ml.EncodeToIds("hello world", considerPreTokenization: false));
        Assert.Equal([101, 7592, 102], ml.EncodeToIds("Hello", considerPreTokenization: false));
        Assert.Equal([101, 7592, 2088, 102], ml.EncodeToIds("hello world"));
    }

    [Fact]
    public void ConsiderPreTokenization_False_Gpt2MergesTheBytesOfTheWholeText()
    {
        var gpt2 = (Gpt2Tokenizer)TokenizerFixtures.Real("gpt2");
        MLTokenizer ml = gpt2;
        // GPT-2's pattern keeps the two newlines apart ("Ċ", "Ċ"); merged as one word they become "ĊĊ".
        Assert.Equal([64, 198, 198, 65], ml.EncodeToIds("a\n\nb"));
        Assert.Equal([64, 628, 65], ml.EncodeToIds("a\n\nb", considerPreTokenization: false));
        // Added tokens are matched before pre-tokenization, so texts holding one are left out of the by-hand merge.
        foreach (var text in RealTexts().Where(t => !t.Contains("<|endoftext|>", StringComparison.Ordinal)))
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            string mapped = new(bytes.Select(ByteLevel.Encode).ToArray());
            var expected = gpt2.Bpe.Merge(mapped).Select(p => gpt2.Bpe.TokenToId(p)!.Value).ToList();
            var ids = ml.EncodeToIds(text, considerPreTokenization: false);
            Assert.Equal(expected, ids);
            Assert.Equal(text, gpt2.Decode(ids, skipSpecialTokens: true, cleanUpTokenizationSpaces: false));
        }
    }

    [Theory]
    [InlineData("bert-base-uncased")]
    [InlineData("gpt2")]
    [InlineData("t5")]
    public void DecodeIntoSpan_WritesAllOrTheLongestLeadingRunThatFits(string name)
    {
        MLTokenizer ml = TokenizerFixtures.Real(name);
        var ids = ml.EncodeToIds("The official language of Guernsey is English, and its capital is Saint Peter Port.");
        string text = ml.Decode(ids)!;

        var big = new char[text.Length + 5];
        Assert.Equal(OperationStatus.Done, ml.Decode(ids, big, out int consumed, out int written));
        Assert.Equal(ids.Count, consumed);
        Assert.Equal(text, new string(big, 0, written));

        var small = new char[text.Length / 2];
        Assert.Equal(OperationStatus.DestinationTooSmall, ml.Decode(ids, small, out consumed, out written));
        Assert.InRange(consumed, 1, ids.Count - 1);
        Assert.Equal(ml.Decode(ids.Take(consumed)), new string(small, 0, written));
        Assert.True(ml.Decode(ids.Take(consumed + 1))!.Length > small.Length);
    }
}
