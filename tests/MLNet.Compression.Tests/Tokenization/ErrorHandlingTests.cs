using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Tokenization;

/// <summary>Missing or corrupt files fail with <see cref="TokenizerLoadException"/> naming the file; odd text never crashes.</summary>
public class ErrorHandlingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tok-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllText(p, content);
        return p;
    }

    private string WriteBytes(string name, byte[] content)
    {
        string p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, content);
        return p;
    }

    [Fact]
    public void MissingVocabTxt_NamesTheFile()
    {
        string p = Path.Combine(_dir, "vocab.txt");
        var e = Assert.Throws<TokenizerLoadException>(() => BertTokenizer.FromVocabFile(p));
        Assert.Equal(p, e.FilePath);
        Assert.Contains("vocab.txt", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void VocabTxtWithoutUnk_IsRejected()
    {
        string p = Write("vocab.txt", "[PAD]\nhello\n");
        var e = Assert.Throws<TokenizerLoadException>(() => BertTokenizer.FromVocabFile(p));
        Assert.Contains("[UNK]", e.Message);
    }

    [Fact]
    public void VocabTxtNotUtf8_IsRejected()
    {
        string p = WriteBytes("vocab.txt", [0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]);
        var e = Assert.Throws<TokenizerLoadException>(() => BertTokenizer.FromVocabFile(p));
        Assert.Contains("UTF-8", e.Message);
    }

    [Fact]
    public void CorruptVocabJson_NamesTheFile()
    {
        string v = Write("vocab.json", "{\"a\": 0, \"b\": ");
        string m = Write("merges.txt", "#version: 0.2\na b\n");
        var e = Assert.Throws<TokenizerLoadException>(() => Gpt2Tokenizer.FromFiles(v, m));
        Assert.Equal(v, e.FilePath);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void VocabJsonWithNonIntegerId_IsRejected()
    {
        string v = Write("vocab.json", "{\"a\": \"zero\"}");
        string m = Write("merges.txt", "#version: 0.2\n");
        var e = Assert.Throws<TokenizerLoadException>(() => Gpt2Tokenizer.FromFiles(v, m));
        Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void MalformedMergeLine_NamesTheFileAndLine()
    {
        string v = Write("vocab.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        string m = Write("merges.txt", "#version: 0.2\na b\nabc\n");
        var e = Assert.Throws<TokenizerLoadException>(() => Gpt2Tokenizer.FromFiles(v, m));
        Assert.Equal(m, e.FilePath);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void MergeOfUnknownSymbols_IsRejected()
    {
        string v = Write("vocab.json", "{\"a\": 0, \"b\": 1}");
        string m = Write("merges.txt", "#version: 0.2\nx y\n");
        var e = Assert.Throws<TokenizerLoadException>(() => Gpt2Tokenizer.FromFiles(v, m));
        Assert.Contains("'x y'", e.Message);
    }

    [Fact]
    public void MissingMergesTxt_NamesTheFile()
    {
        string v = Write("vocab.json", "{\"a\": 0}");
        var e = Assert.Throws<TokenizerLoadException>(() => Gpt2Tokenizer.FromFiles(v, Path.Combine(_dir, "merges.txt")));
        Assert.Contains("merges.txt", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x0A, 0xFF })]                    // field 1, length 255 past the end
    [InlineData(new byte[] { 0x0A, 0x02, 0x0A })]              // truncated nested piece
    [InlineData(new byte[] { 0x0B, 0x00 })]                    // wire type 3 (groups) is not supported
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 })] // endless varint
    public void CorruptSentencePieceModel_NamesTheFile(byte[] content)
    {
        string p = WriteBytes("spiece.model", content);
        var e = Assert.Throws<TokenizerLoadException>(() => T5Tokenizer.FromFile(p));
        Assert.Equal(p, e.FilePath);
    }

    [Fact]
    public void TruncatedRealSentencePieceModel_IsRejected()
    {
        var bytes = File.ReadAllBytes(TokenizerFixtures.Path("fixtures", "tokenizers", "unigram_t5", "spiece.model"));
        string p = WriteBytes("spiece.model", bytes[..(bytes.Length / 2)]);
        Assert.Throws<TokenizerLoadException>(() => T5Tokenizer.FromFile(p));
    }

    [Fact]
    public void TextFileAsSentencePieceModel_IsRejected()
    {
        string p = Write("spiece.model", "this is not a protobuf");
        Assert.Throws<TokenizerLoadException>(() => T5Tokenizer.FromFile(p));
    }

    [Fact]
    public void CorruptLlama2CTokenizer_IsRejected()
    {
        var bytes = File.ReadAllBytes(TokenizerFixtures.Path("data", "models", "aidreams260K", "tok512.bin"));
        string p = WriteBytes("tok512.bin", bytes[..101]); // cuts token 7 in the middle
        var e = Assert.Throws<TokenizerLoadException>(() => Llama2CTokenizer.FromFile(p));
        Assert.Contains("tok512.bin", e.Message);
        Assert.Throws<TokenizerLoadException>(() => Llama2CTokenizer.FromFile(WriteBytes("t2.bin", [1, 2])));
    }

    [Fact]
    public void CorruptTokenizerJson_IsRejected()
    {
        Assert.Throws<TokenizerLoadException>(() => JsonTokenizer.FromFile(Write("tokenizer.json", "{\"model\": ")));
        var e = Assert.Throws<TokenizerLoadException>(() => JsonTokenizer.FromFile(Write("t2.json", "{\"version\": \"1.0\"}")));
        Assert.Contains("model", e.Message);
        e = Assert.Throws<TokenizerLoadException>(() => JsonTokenizer.FromFile(Write("t3.json", "{\"model\": {\"type\": \"Magic\"}}")));
        Assert.Contains("Magic", e.Message);
    }

    [Fact]
    public void FolderWithoutTokenizer_IsRejected()
    {
        var e = Assert.Throws<TokenizerLoadException>(() => AutoTokenizer.FromFolder(_dir));
        Assert.Contains("no tokenizer files", e.Message);
        Assert.Throws<TokenizerLoadException>(() => AutoTokenizer.FromFolder(Path.Combine(_dir, "nope")));
    }

    public static IEnumerable<object[]> AllTokenizers() =>
        new[] { "bert-base-uncased", "bert-base-cased", "gpt2", "roberta-base", "t5" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(AllTokenizers))]
    public void LoneSurrogatesAndNul_NeverCrash(string name)
    {
        var tok = TokenizerFixtures.Real(name);
        foreach (var text in new[] { "a\uD800b", "\uDC00", "x\uD83D", "\uDE00\uD83D", "nul\0nul", "\0", "\0\0 \uD800 [MASK] <mask> <extra_id_0>\uDFFF" })
        {
            var tokens = tok.EncodeToTokens(text);
            foreach (var t in tokens) Assert.InRange(t.End, t.Start, text.Length);
            _ = tok.Decode(tokens.Select(t => t.Id));
            _ = tok.CountTokens(text);
        }
    }

    [Fact]
    public void Llama2C_LoneSurrogatesAndNul_NeverCrash()
    {
        var tok = AutoTokenizer.FromFolder(TokenizerFixtures.Path("data", "models", "aidreams260K"));
        var ids = tok.EncodeToIds("a\uD800\0b");
        Assert.Equal("a\uFFFD\0b", tok.Decode(ids));
    }
}
