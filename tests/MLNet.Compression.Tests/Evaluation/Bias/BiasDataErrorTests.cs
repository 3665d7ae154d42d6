using MLNet.Compression.Evaluation;
using MLNet.Compression.Evaluation.Bias;

namespace MLNet.Compression.Tests.Evaluation.Bias;

/// <summary>Bad bias data is reported by file and line; a bad line never silently drops the rest unless skipping was asked for.</summary>
public sealed class BiasDataErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bias-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Header = ",sent_more,sent_less,stereo_antistereo,bias_type\n";

    [Fact]
    public void Crows_MissingColumn_NamesTheColumnAndLineOne()
    {
        string path = Write("c.csv", ",sent_more,sent_less,bias_type\n0,a,b,age\n");
        var e = Assert.Throws<EvaluationDataException>(() => CrowsPairsData.Load(path));
        Assert.Equal(1, e.Line);
        Assert.Contains("stereo_antistereo", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Crows_BadDirection_NamesTheLine_AndSkippingCountsIt()
    {
        // Line 3 holds a quoted sentence spanning two lines, so the bad row starts on line 5.
        string path = Write("c.csv", Header + "0,He is poor.,He is rich.,stereo,socioeconomic\n1,\"Two\nlines\",One line,antistereo,age\n2,x,y,sideways,age\n3,p,q,stereo,age\n");
        var e = Assert.Throws<EvaluationDataException>(() => CrowsPairsData.Load(path));
        Assert.Equal(5, e.Line);
        Assert.Contains("sideways", e.Message);
        var data = CrowsPairsData.Load(path, skipBadLines: true);
        Assert.Equal([0, 1, 3], data.Pairs.Select(p => p.Index));
        Assert.Equal("Two\nlines", data.Pairs[1].SentMore);
        Assert.Single(data.SkippedLines);
        Assert.Equal(5, data.SkippedLines[0].Line);
    }

    [Fact]
    public void Crows_EmptyFile_AndUnclosedQuote_AreErrors()
    {
        Assert.Contains("empty", Assert.Throws<EvaluationDataException>(() => CrowsPairsData.Load(Write("e.csv", ""))).Message);
        var e = Assert.Throws<EvaluationDataException>(() => CrowsPairsData.Load(Write("q.csv", Header + "0,\"open,b,stereo,age\n")));
        Assert.Equal(2, e.Line);
        Assert.Throws<EvaluationDataException>(() => CrowsPairsData.Load(Write("h.csv", Header)));   // header only: no pairs
    }

    [Fact]
    public void StereoSetCsv_MalformedChoices_NamesTheLine()
    {
        string path = Write("intrasentence_x.csv", "prompt,choices,bias_type,target\nThe man was BLANK.,['tall' 'short' 'blue'],gender,man\nThe girl was BLANK.,['only' 'two'],gender,girl\n");
        var e = Assert.Throws<EvaluationDataException>(() => StereoSetData.Load(path));
        Assert.Equal(3, e.Line);
        Assert.Contains("expected 3", e.Message);
        var data = StereoSetData.Load(path, skipBadLines: true);
        Assert.Single(data.Intrasentence);
        Assert.Equal("The man was short.", data.Intrasentence[0].ByLabel("anti-stereotype").Text);
        Assert.Single(data.SkippedLines);
    }

    [Fact]
    public void StereoSetJson_Malformed_NamesTheLine()
    {
        var e = Assert.Throws<EvaluationDataException>(() => StereoSetData.Load(Write("s.json", "{\"version\": \"1\",\n\"data\": {\n\"intrasentence\": [,]}}")));
        Assert.Equal(3, e.Line);
        Assert.Contains("malformed JSON", e.Message);
    }

    [Fact]
    public void Seat_EmptyOrIncompleteTest_IsAnError()
    {
        Assert.Contains("empty", Assert.Throws<EvaluationDataException>(() => SeatTest.Load(Write("t.jsonl", " "))).Message);
        var e = Assert.Throws<EvaluationDataException>(() => SeatTest.Load(Write("u.jsonl", "{\"targ1\": {\"examples\": [\"a\"]}, \"targ2\": {\"examples\": [\"b\"]}, \"attr1\": {\"examples\": [\"c\"]}}")));
        Assert.Contains("attr2", e.Message);
    }
}
