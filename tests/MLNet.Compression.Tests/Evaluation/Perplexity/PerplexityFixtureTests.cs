using System.Text.Json;
using MLNet.Compression.Evaluation.Perplexity;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Evaluation.Perplexity;

/// <summary>
/// Reproduces ../shared/fixtures/metrics/perplexity_gpt2_tiny.json: gpt2_tiny over the first 200 CrowS-Pairs sent_more
/// lines joined by newlines, windows of 64 without overlap (the transformers guide loop), per window and overall.
/// </summary>
public class PerplexityFixtureTests
{
    [Fact]
    public void Gpt2Tiny_MatchesTheGuideLoopWindowByWindow()
    {
        var fx = JsonDocument.Parse(File.ReadAllBytes(SharedData.Fixture("metrics", "perplexity_gpt2_tiny.json"))).RootElement;
        string dir = SharedData.Fixture("models", "gpt2_tiny");
        var tokenizer = AutoTokenizer.FromFolder(dir);
        var expectedIds = fx.GetProperty("text").GetProperty("input_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var ids = tokenizer.EncodeToIds(CrowsSentMoreText(200)).ToArray();
        Assert.Equal(expectedIds, ids);

        var result = new PerplexityEvaluator(ModelLoader.Load(dir), new PerplexityEvaluator.Options { MaxLength = 64, Stride = 64 }).Evaluate(ids);
        var windows = fx.GetProperty("windows").EnumerateArray().ToArray();
        Assert.Equal(windows.Length, result.Windows.Count);
        for (int i = 0; i < windows.Length; i++)
        {
            Assert.Equal(windows[i].GetProperty("begin").GetInt32(), result.Windows[i].Begin);
            Assert.Equal(windows[i].GetProperty("end").GetInt32(), result.Windows[i].End);
            Assert.Equal(windows[i].GetProperty("n_predicted_tokens").GetInt32(), result.Windows[i].NPredicted);
            double mean = windows[i].GetProperty("mean_nll_hf_loss").GetDouble();
            Assert.True(Math.Abs(result.Windows[i].MeanNll - mean) <= 1e-4 * mean, $"window {i}: {result.Windows[i].MeanNll} vs {mean}");
        }
        var r = fx.GetProperty("results");
        Assert.Equal(r.GetProperty("n_predicted_tokens").GetInt32(), result.NTokens);
        AssertRelative(r.GetProperty("ppl_token_weighted").GetDouble(), result.Perplexity);
        AssertRelative(r.GetProperty("ppl_guide_v4.36_mean_of_window_means").GetDouble(), result.WindowMeanPerplexity);
    }

    private static void AssertRelative(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Abs(expected), $"{actual} vs {expected}");

    /// <summary>'\n'.join(sent_more of the first n data rows): column 1 of the CSV (quoted fields may hold commas).</summary>
    internal static string CrowsSentMoreText(int n)
    {
        using var reader = new StreamReader(SharedData.Data("crows_pairs", "crows_pairs_anonymized.csv"));
        var header = ParseCsvRecord(reader)!;
        int col = Array.IndexOf(header, "sent_more");
        var lines = new List<string>();
        while (lines.Count < n && ParseCsvRecord(reader) is { } rec) lines.Add(rec[col]);
        return string.Join("\n", lines);
    }

    private static string[]? ParseCsvRecord(StreamReader r)
    {
        if (r.Peek() < 0) return null;
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        while (true)
        {
            int c = r.Read();
            if (c < 0) { fields.Add(sb.ToString()); return [.. fields]; }
            char ch = (char)c;
            if (quoted)
            {
                if (ch == '"') { if (r.Peek() == '"') { r.Read(); sb.Append('"'); } else quoted = false; }
                else sb.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else if (ch == '\n') { fields.Add(sb.ToString().TrimEnd('\r')); return [.. fields]; }
            else sb.Append(ch);
        }
    }
}
