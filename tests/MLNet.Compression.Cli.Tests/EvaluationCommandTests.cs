using System.Text.Json;

namespace MLNet.Compression.Cli.Tests;

/// <summary>End-to-end runs of probe and perplexity.</summary>
public class EvaluationCommandTests
{
    [Fact]
    public void Probe_WritesEveryFactWithTheDocumentedFieldNames()
    {
        string output = Path.Combine(Path.GetTempPath(), $"probe-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, err) = CliProcess.Run("probe", "--model", CliProcess.Fixture("bert_uncased_tiny"), "--lama", Path.Combine(CliProcess.Shared, "data", "lama"),
                                                     "--relations", "P264", "--out", output);
            Assert.True(code == 0, err);
            Assert.Contains("P264", stdout);
            var root = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
            var subset = root.GetProperty("subsets").EnumerateArray().First(s => s.GetProperty("name").GetString() == "TREx");
            Assert.True(subset.TryGetProperty("macro_p_at_1", out _) && subset.TryGetProperty("micro_p_at_1", out _));
            var rel = subset.GetProperty("relations")[0];
            Assert.Equal("P264", rel.GetProperty("relation").GetString());
            Assert.Equal(53, rel.GetProperty("n_facts").GetInt32());   // the LAMA fixture's count for P264
            foreach (var field in new[] { "n_skipped", "p_at_1", "p_at_10", "mrr" }) Assert.True(rel.TryGetProperty(field, out _), field);
            var fact = rel.GetProperty("facts")[0];
            foreach (var field in new[] { "uuid", "gold", "rank", "top1" }) Assert.True(fact.TryGetProperty(field, out _), field);
        }
        finally { File.Delete(output); }
    }

    [Fact]
    public void Probe_UnknownRelation_IsOneLineErrorWithoutTrace()
    {
        var (code, _, err) = CliProcess.Run("probe", "--model", CliProcess.Fixture("bert_uncased_tiny"), "--lama", Path.Combine(CliProcess.Shared, "data", "lama"), "--relations", "P0");
        Assert.Equal(1, code);
        Assert.Contains("unknown relation(s) P0", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Perplexity_ReportsPerplexityAndTokens_AndRefusesAnEmptyFile()
    {
        string text = Path.Combine(Path.GetTempPath(), $"ppl-{Guid.NewGuid():N}.txt");
        string output = text + ".json";
        try
        {
            File.WriteAllText(text, "The cat sat on the mat.\nIt was a sunny day.\n");
            var (code, _, err) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", text, "--base", CliProcess.Fixture("gpt2_tiny"), "--out", output);
            Assert.True(code == 0, err);
            var root = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
            Assert.True(root.GetProperty("perplexity").GetDouble() > 1);
            Assert.True(root.GetProperty("n_tokens").GetInt32() > 5);
            Assert.True(Math.Abs(root.GetProperty("kl_divergence").GetDouble()) < 1e-6);   // the same model as its own base

            File.WriteAllText(text, "");
            var (code2, _, err2) = CliProcess.Run("perplexity", "--model", CliProcess.Fixture("gpt2_tiny"), "--text", text);
            Assert.Equal(1, code2);
            Assert.Contains("empty", err2);
        }
        finally { File.Delete(text); File.Delete(output); }
    }
}
