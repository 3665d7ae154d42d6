using MLNet.Compression.Distillation;

namespace MLNet.Compression.Tests.Distillation;

public class StudentLayersTests
{
    [Theory]
    [InlineData(12, new[] { 0, 2, 4, 7, 9, 11 })] // DistilBERT's choice for BERT-base (extract_distilbert.py)
    [InlineData(24, new[] { 0, 2, 4, 6, 8, 10, 13, 15, 17, 19, 21, 23 })]
    [InlineData(6, new[] { 0, 3, 5 })]           // 2.5 rounds up
    [InlineData(5, new[] { 0, 2, 4 })]
    [InlineData(4, new[] { 0, 3 })]
    [InlineData(3, new[] { 0, 2 })]
    [InlineData(2, new[] { 0 })]                 // one layer: the one that reads the embeddings
    [InlineData(1, new[] { 0 })]
    public void Default_KeepsHalfTheLayersSpreadFromFirstToLast(int teacherLayers, int[] expected)
        => Assert.Equal(expected, StudentLayers.Default(teacherLayers));

    [Fact]
    public void Default_IsHalfRoundedUp_StrictlyIncreasing_AndKeepsFirstAndLast_ForEveryDepthUpTo200()
    {
        for (int l = 1; l <= 200; l++)
        {
            var layers = StudentLayers.Default(l);
            Assert.Equal((l + 1) / 2, layers.Length);
            Assert.Equal(0, layers[0]);
            if (layers.Length > 1) Assert.Equal(l - 1, layers[^1]);
            for (int i = 1; i < layers.Length; i++) Assert.True(layers[i] > layers[i - 1], $"L = {l}: {string.Join(",", layers)}");
        }
    }

    [Fact]
    public void Default_RejectsATeacherWithoutLayers()
        => Assert.Throws<ArgumentOutOfRangeException>(() => StudentLayers.Default(0));

    [Theory]
    [InlineData("0,2,4", new[] { 0, 2, 4 })]
    [InlineData(" 1 , 10 ", new[] { 1, 10 })]
    [InlineData("7", new[] { 7 })]
    public void Parse_ReadsCommaSeparatedIndices(string text, int[] expected)
        => Assert.Equal(expected, StudentLayers.Parse(text));

    [Theory]
    [InlineData("", "--student-layers: the list is empty; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("  ", "--student-layers: the list is empty; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("0,,2", "--student-layers: \"0,,2\" has an empty item; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("0,2,", "--student-layers: \"0,2,\" has an empty item; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("0,two", "--student-layers: \"two\" is not a layer index; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("1.5", "--student-layers: \"1.5\" is not a layer index; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("-1", "--student-layers: \"-1\" is not a layer index; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("99999999999", "--student-layers: \"99999999999\" is not a layer index; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("0 2", "--student-layers: \"0 2\" is not a layer index; expected comma-separated teacher layer indices such as \"0,2,4\".")]
    [InlineData("4,2", "--student-layers: layer 2 comes after layer 4; expected the layers in increasing order, as the student keeps the teacher's order.")]
    [InlineData("0,2,2", "--student-layers: layer 2 is listed twice; expected each teacher layer at most once.")]
    public void Parse_RejectsBadTextWithAOneLineMessage(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => StudentLayers.Parse(text));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Parse_KeepsTheMessageOnOneLineWhenTheTextHasANewline()
    {
        var e = Assert.Throws<ArgumentException>(() => StudentLayers.Parse("0\n1"));
        Assert.StartsWith("--student-layers:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
