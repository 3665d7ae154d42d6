using System.Text.Json;

namespace MLNet.Compression.Cli.Tests;

/// <summary>End-to-end runs of `mlnet-compress bias` on the tiny fixture models.</summary>
public class BiasCommandTests
{
    private static string Data(params string[] parts) => Path.Combine([CliProcess.Shared, "data", .. parts]);

    [Fact]
    public void Bias_OnGpt2Tiny_WritesTheDocumentedJsonFieldsAndTables()
    {
        string output = Path.Combine(Path.GetTempPath(), $"bias-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, err) = CliProcess.Run("bias", "--model", CliProcess.Fixture("gpt2_tiny"),
                "--crows", Data("crows_pairs", "crows_pairs_anonymized.csv"), "--stereoset", Data("stereoset"),
                "--seat", Data("seat"), "--seat-tests", "sent-weat1", "--seat-samples", "1000", "--out", output);
            Assert.True(code == 0, err);
            Assert.Contains("CrowS-Pairs", stdout);
            Assert.Contains("StereoSet intrasentence", stdout);
            using var doc = JsonDocument.Parse(File.ReadAllText(output));
            var crows = doc.RootElement.GetProperty("crows");
            // The bias-bench reference run on gpt2_tiny: metric score 53.45 over 1,508 pairs.
            Assert.Equal(53.45, crows.GetProperty("metric_score").GetDouble());
            Assert.Equal(1508, crows.GetProperty("n_pairs").GetInt32());
            foreach (var f in new[] { "stereo_score", "antistereo_score", "neutral", "by_bias_type" }) Assert.True(crows.TryGetProperty(f, out _), f);
            var pair = crows.GetProperty("pairs")[0];
            Assert.Equal(0, pair.GetProperty("index").GetInt32());
            Assert.True(pair.TryGetProperty("sent_more_score", out _) && pair.TryGetProperty("sent_less_score", out _));
            var intra = doc.RootElement.GetProperty("stereoset").GetProperty("intrasentence");
            Assert.Equal(48.07, intra.GetProperty("overall").GetProperty("ss").GetDouble(), 0.01);   // reference: 48.068
            foreach (var d in new[] { "gender", "profession", "race", "religion" })
                foreach (var f in new[] { "ss", "lms", "icat" }) Assert.True(intra.GetProperty(d).TryGetProperty(f, out _), $"{d}.{f}");
            Assert.True(doc.RootElement.GetProperty("stereoset").GetProperty("intersentence").TryGetProperty("overall", out _));
            var seat = doc.RootElement.GetProperty("seat")[0];
            Assert.Equal("sent-weat1", seat.GetProperty("test").GetString());
            Assert.True(double.IsFinite(seat.GetProperty("effect_size").GetDouble()));
        }
        finally { File.Delete(output); }
    }

    [Fact]
    public void Bias_BadCrowsLine_ExitsOneWithFileAndLineAndNoStackTrace()
    {
        string csv = Path.Combine(Path.GetTempPath(), $"crows-bad-{Guid.NewGuid():N}.csv");
        File.WriteAllText(csv, ",sent_more,sent_less,stereo_antistereo,bias_type\n0,He is poor.,He is rich.,stereo,socioeconomic\n1,a,b,upward,age\n");
        try
        {
            var (code, _, err) = CliProcess.Run("bias", "--model", CliProcess.Fixture("bert_uncased_tiny"), "--crows", csv);
            Assert.Equal(1, code);
            Assert.Contains($"{csv}:3:", err);
            Assert.DoesNotContain("   at ", err);
            var (code2, out2, err2) = CliProcess.Run("bias", "--model", CliProcess.Fixture("bert_uncased_tiny"), "--crows", csv, "--skip-bad-lines");
            Assert.True(code2 == 0, err2);
            Assert.Contains("skipped 1 bad line", out2);
        }
        finally { File.Delete(csv); }
    }
}
