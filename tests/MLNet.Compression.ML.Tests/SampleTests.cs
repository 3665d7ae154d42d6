using System.Globalization;
using System.Text.RegularExpressions;

namespace MLNet.Compression.ML.Tests;

/// <summary>
/// samples/ClassifyWithCompressedModel and samples/PredictWithSavedModel run as a user runs them: the first trains its
/// model, compares dense with compressed and saves model.zip; the second loads that zip in a fresh process and must
/// predict what the first printed for the same sentences.
/// </summary>
public partial class SampleTests
{
    [Fact]
    public void ClassifyWithCompressedModel_compares_dense_with_compressed_and_PredictWithSavedModel_predicts_the_same()
    {
        using var tmp = new TempFolder();
        var (code, lines, err) = SampleProcess.Run("ClassifyWithCompressedModel", tmp.Path, "out");
        Assert.True(code == 0, err);

        var dense = TableRow(lines, "dense");
        var compressed = TableRow(lines, "compressed");
        Assert.True(dense.Low > 0.5, $"dense accuracy {dense.Accuracy} [{dense.Low}, {dense.High}] is not above chance:\n{string.Join('\n', lines)}");
        Assert.InRange(compressed.Accuracy, 0, 1);
        Assert.True(compressed.Bytes < dense.Bytes, $"compressed {compressed.Bytes} bytes, dense {dense.Bytes}");
        Assert.True(dense.Milliseconds > 0 && compressed.Milliseconds > 0);
        string zip = Path.Combine(tmp.Path, "out", "model.zip");
        Assert.True(File.Exists(zip));

        var printed = lines.SkipWhile(l => !l.StartsWith("predictions of the compressed pipeline:", StringComparison.Ordinal)).Skip(1).ToArray();
        Assert.Equal(4, printed.Length);
        var sentences = printed.Select(l => Assert.Single(PredictionLine().Matches(l)).Groups["text"].Value).ToArray();
        var (code2, lines2, err2) = SampleProcess.Run("PredictWithSavedModel", tmp.Path, [zip, .. sentences]);
        Assert.True(code2 == 0, err2);
        Assert.Equal(printed, lines2);
    }

    [Fact]
    public void PredictWithSavedModel_refuses_a_missing_zip_in_one_line()
    {
        using var tmp = new TempFolder();
        var (code, lines, err) = SampleProcess.Run("PredictWithSavedModel", tmp.Path, "missing.zip", "a sentence .");
        Assert.Equal(1, code);
        Assert.Empty(lines);
        Assert.Equal("missing.zip: file not found.", err.Trim());
    }

    private static (double Accuracy, double Low, double High, long Bytes, double Milliseconds) TableRow(string[] lines, string name)
    {
        var line = Assert.Single(lines, l => l.StartsWith(name + " ", StringComparison.Ordinal));
        var m = TableLine().Match(line);
        Assert.True(m.Success, $"not a table row: {line}");
        double D(string group) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        return (D("acc"), D("low"), D("high"), long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture), D("ms"));
    }

    // "dense        0.799 [0.724, 0.866]           502292          0.495"
    [GeneratedRegex(@"^\w+\s+(?<acc>[\d.]+) \[(?<low>[\d.]+), (?<high>[\d.]+)\]\s+(?<bytes>\d+)\s+(?<ms>[\d.]+)$")]
    private static partial Regex TableLine();

    // "true   0.6792  Bemou Fougath was born in Boukial ."
    [GeneratedRegex(@"^(true |false)  [\d.]+  (?<text>.+)$")]
    private static partial Regex PredictionLine();
}
