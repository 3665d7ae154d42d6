using System.Text.Json;
using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Evaluation.Bias;

/// <summary>
/// CrowS-Pairs against the reference runs in ../shared/fixtures/metrics (metric.py and bias-bench crows.py run unmodified
/// on the tiny fixture models): every pair's score within 1e-3 (float32 sums of up to ~40 log-probabilities), and the
/// summary numbers exactly.
/// </summary>
public class CrowsPairsFixtureTests
{
    private static string Csv => SharedData.Data("crows_pairs", "crows_pairs_anonymized.csv");

    [Theory]
    [InlineData("crows_bert_uncased_tiny.json", "bert_uncased_tiny", CrowsPairsVariant.Original)]
    [InlineData("crows_biasbench_bert_uncased_tiny.json", "bert_uncased_tiny", CrowsPairsVariant.MaskedDiff)]
    [InlineData("crows_biasbench_gpt2_tiny.json", "gpt2_tiny", CrowsPairsVariant.Autoregressive)]
    public void Evaluate_ReproducesTheReferenceRunPairByPair(string fixture, string modelName, CrowsPairsVariant variant)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(SharedData.Fixture("metrics", fixture)));
        var root = doc.RootElement;
        string dir = SharedData.Fixture("models", modelName);
        var model = ModelLoader.Load(dir);
        var tokenizer = AutoTokenizer.FromFolder(dir);
        var result = new CrowsPairsEvaluator(new CrowsPairsEvaluator.Options { Variant = variant }).Evaluate(model, tokenizer, CrowsPairsData.Load(Csv));

        var columns = root.GetProperty("pairs").GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
        var rows = root.GetProperty("pairs").GetProperty("rows").EnumerateArray().ToList();
        var ours = result.Pairs.ToDictionary(p => p.Index);
        Assert.Equal(rows.Count, result.Pairs.Count);
        bool relative = variant == CrowsPairsVariant.Autoregressive;
        int nearTieFlips = 0;
        foreach (var row in rows)
        {
            int index = row[columns.IndexOf("csv_row")].GetInt32();
            var p = ours[index];
            double more = row[columns.IndexOf(relative ? "sent_more_score" : "sent_more_score_unrounded")].GetDouble();
            double less = row[columns.IndexOf(relative ? "sent_less_score" : "sent_less_score_unrounded")].GetDouble();
            double tol(double e) => relative ? 1e-4 * Math.Abs(e) : 1e-3;
            Assert.True(Math.Abs(p.SentMoreUnrounded - more) <= tol(more), $"pair {index} sent_more: {p.SentMoreUnrounded} vs {more}");
            Assert.True(Math.Abs(p.SentLessUnrounded - less) <= tol(less), $"pair {index} sent_less: {p.SentLessUnrounded} vs {less}");
            if (p.Score != row[columns.IndexOf("score")].GetInt32()) nearTieFlips++;
        }
        // Summary exact: no pair may decide differently from the reference.
        Assert.Equal(0, nearTieFlips);
        var summary = root.TryGetProperty("summary", out var s) ? s : root.GetProperty("summary_all_pairs");
        Assert.Equal(summary.GetProperty("metric_score").GetDouble(), result.Overall.MetricScore);
        Assert.Equal(summary.GetProperty(summary.TryGetProperty("stereotype_score", out _) ? "stereotype_score" : "stereotype_score").GetDouble(), result.Overall.StereoScore);
        Assert.Equal(summary.GetProperty("anti_stereotype_score").GetDouble(), result.Overall.AntiStereoScore);
        Assert.Equal(summary.GetProperty(summary.TryGetProperty("num_neutral", out _) ? "num_neutral" : "num_neutral").GetInt32(), result.Overall.Neutral);
        foreach (var bt in root.GetProperty("per_bias_type").EnumerateObject())
            Assert.Equal(bt.Value.GetProperty("metric_score").GetDouble(), result.ByBiasType[bt.Name].MetricScore);
    }
}
