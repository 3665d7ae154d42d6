using System.Text.Json;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Evaluation.Knowledge;

/// <summary>
/// Reproduces ../shared/fixtures/metrics/lama_bert_uncased_tiny.json (facebookresearch/LAMA's own filtering, batching and
/// ranking on bert_uncased_tiny, whole vocabulary) fact by fact: same facts in the same order, ranks within the stored
/// float32 tie tolerance, gold log-probs within 1e-4, and P@1, P@10, MRR per relation and macro.
/// </summary>
public class LamaFixtureTests(ITestOutputHelper output)
{
    private static readonly Lazy<(LanguageModel Model, Tokenizer Tokenizer)> Bert = new(() =>
    {
        string dir = SharedData.Fixture("models", "bert_uncased_tiny");
        return (ModelLoader.Load(dir), AutoTokenizer.FromFolder(dir));
    });

    private static readonly Lazy<JsonElement> Reference = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(SharedData.Fixture("metrics", "lama_bert_uncased_tiny.json"))).RootElement);

    [Theory]
    [InlineData("TREx")]
    [InlineData("Google_RE")]
    [InlineData("Squad")]
    public void Subset_MatchesLamaReferenceFactByFact(string subset)
    {
        var (model, tokenizer) = Bert.Value;
        var subsets = LamaSubset.FromFolder(SharedData.Data("lama")).Where(s => s.Name == subset).ToArray();
        var result = new LamaProbe(model, tokenizer).Run(subsets).Single();
        var expected = Reference.Value.GetProperty("results").GetProperty(subset);
        Assert.Equal(expected.EnumerateObject().Count(), result.Relations.Count);
        int facts = 0, rankExact = 0;
        double worstLogProb = 0;
        foreach (var rel in result.Relations)
        {
            var e = expected.GetProperty(rel.Relation);
            var ef = e.GetProperty("facts");
            int[] Ints(string name) => ef.GetProperty(name).EnumerateArray().Select(x => x.GetInt32()).ToArray();
            var line = Ints("line"); var nSrc = Ints("n_source_lines"); var gold = Ints("gold_id"); var rank = Ints("rank");
            var within = Ints("n_within_1e-5"); var top1 = Ints("top1_id");
            var logp = ef.GetProperty("gold_log_prob").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(e.GetProperty("n_facts").GetInt32(), rel.NFacts);
            Assert.Equal(e.GetProperty("n_lines").GetInt32(), rel.NLines);
            Assert.Equal(e.GetProperty("n_lines").GetInt32() - e.GetProperty("n_lines_kept_by_filter_samples").GetInt32(), rel.NSkipped);
            for (int i = 0; i < rel.NFacts; i++)
            {
                var f = rel.Facts[i];
                Assert.True(line[i] == f.Line, $"{rel.Relation} fact {i}: line {f.Line}, expected {line[i]}");
                Assert.Equal(nSrc[i], f.NSourceLines);
                Assert.Equal(gold[i], f.GoldId);
                Assert.True(Math.Abs(f.Rank - rank[i]) <= within[i],
                    $"{rel.Relation} line {line[i]}: rank {f.Rank}, LAMA {rank[i]} (tolerance {within[i]})");
                if (f.Rank == rank[i]) rankExact++;
                worstLogProb = Math.Max(worstLogProb, Math.Abs(f.GoldLogProb - logp[i]));
                Assert.True(Math.Abs(f.GoldLogProb - logp[i]) < 1e-4, $"{rel.Relation} line {line[i]}: log-prob {f.GoldLogProb}, LAMA {logp[i]}");
                Assert.Equal(top1[i], f.Top1Id);
                facts++;
            }
            Assert.Equal(e.GetProperty("P@1").GetDouble(), rel.PAt1, 1e-9);
            Assert.Equal(e.GetProperty("P@10").GetDouble(), rel.PAtK, 1e-9);
            Assert.Equal(e.GetProperty("MRR").GetDouble(), rel.Mrr, 1e-4);
            Assert.Equal(e.GetProperty("MRR_full_rank_no_truncation").GetDouble(), rel.MrrUntruncated, 1e-4);
        }
        var macro = Reference.Value.GetProperty("macro").GetProperty(subset);
        Assert.Equal(macro.GetProperty("n_facts_total").GetInt32(), result.NFacts);
        Assert.Equal(macro.GetProperty("mean_P@1").GetDouble(), result.MacroPAt1, 1e-9);
        Assert.Equal(macro.GetProperty("mean_P@10").GetDouble(), result.MacroPAtK, 1e-9);
        Assert.Equal(macro.GetProperty("mean_MRR").GetDouble(), result.MacroMrr, 1e-5);
        Assert.Equal(macro.GetProperty("micro_P@1").GetDouble(), result.MicroPAt1, 1e-9);
        output.WriteLine($"{subset}: {facts} facts, {rankExact} ranks exact, worst |Δ log-prob| {worstLogProb:E2}");
    }
}
