using MLNet.Compression.Tests;
using System.Text.Json;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Evaluation.Embeddings;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.AutoSearch.Tests.Embeddings;

/// <summary>
/// The embedding cosine on a tiny bare encoder: what the scorer and the judge give dense and a pruned model, checked
/// against the sentence encoder and EmbeddingAgreement run directly on the same split's texts; the split of texts; and
/// the one-line refusals of data a bare encoder cannot be measured on.
/// </summary>
public sealed class EmbeddingScoringTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("emb-scoring-").FullName;
    private readonly string _encoder;
    private readonly string _texts;

    public EmbeddingScoringTests()
    {
        _encoder = BareEncoderFolder.Make(Path.Combine(_root, "encoder"));
        _texts = BareEncoderFolder.Texts(Path.Combine(_root, "texts.txt"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private SearchDataset Load() => SearchDataset.Load(_encoder, new SearchDataOptions { EmbeddingTextFile = _texts });

    private static readonly SearchObjective Cosine = new() { Knowledge = KnowledgeMetric.EmbeddingCosine, SizeBudget = SizeBudget.Parse("0.5", "b") };

    [Fact]
    public void Dense_ScoresCosineOne_AndItsDropIsZero_OnTheSearchSplitsTexts()
    {
        var data = Load();
        Assert.Equal(ModelKind.Encoder, data.Dense.Kind);
        Assert.False(data.HasFacts);
        var s = new ModelScorer(data).Score(data.Dense, SplitPart.Search, 1);

        // The split by hand: the texts whose key hashes below one half, in file order.
        var lines = File.ReadAllLines(_texts);
        var expected = Enumerable.Range(0, lines.Length).Where(i => new ItemSplit().IsSearch("text/" + lines[i])).ToList();
        Assert.Equal(expected, s.TextIndices);
        Assert.InRange(expected.Count, 12, 36);
        Assert.All(s.TextCosines!, c => Assert.Equal(1.0, c, 12));
        Assert.Equal(1.0, s.EmbeddingCosine!.Value, 12);
        Assert.Equal(0, s.NFacts);

        var judge = new PlanJudge(Cosine, 1000, 500);
        Assert.Equal(1.0, judge.KnowledgeOf(s, s), 12);
        var m = judge.Judge(new TrialMetrics { Evaluated = true, SearchedBytes = 400, Knowledge = judge.KnowledgeOf(s, s), BaseKnowledge = 1, KnowledgeDrop = 1 - judge.KnowledgeOf(s, s) });
        Assert.Equal(0, m.KnowledgeDrop!.Value, 12);
        Assert.True(m.Feasible);
        Assert.Equal(0.4 * 1e-6, m.Loss, 12); // drop 0 plus the size tie-break
    }

    [Fact]
    public void TheSizeTieBreak_NeverOutweighsADifferenceOfEmbeddingCosine()
    {
        // A plan a third smaller whose vectors moved 1e-4 further loses to the larger one: within a budget the cosine decides.
        var judge = new PlanJudge(Cosine, 1000, 500);
        var larger = judge.Judge(new TrialMetrics { Evaluated = true, SearchedBytes = 480, KnowledgeDrop = 1e-4 });
        var smaller = judge.Judge(new TrialMetrics { Evaluated = true, SearchedBytes = 300, KnowledgeDrop = 2e-4 });
        Assert.True(larger.Loss < smaller.Loss, $"{larger.Loss} vs {smaller.Loss}");
        // With equal cosines the smaller plan still wins.
        var same = judge.Judge(new TrialMetrics { Evaluated = true, SearchedBytes = 300, KnowledgeDrop = 1e-4 });
        Assert.True(same.Loss < larger.Loss);
    }

    [Fact]
    public void APrunedModelsCosine_EqualsTheAgreementComputedDirectlyOnTheSameTexts()
    {
        var data = Load();
        var pruned = new CompressionContext(1).Pruning.Magnitude(0.6).Fit(ModelLoader.Load(_encoder)).Model;
        var scorer = new ModelScorer(data);
        var dense = scorer.Score(data.Dense, SplitPart.Report, 1);
        var s = scorer.Score(pruned, SplitPart.Report, 1);

        // Directly: the report split's texts, encoded by a fresh encoder of the folder and of the pruned model.
        var lines = File.ReadAllLines(_texts);
        var texts = lines.Where(l => !new ItemSplit().IsSearch(ItemSplit.TextKey(l))).ToList();
        var encoder = new SentenceEncoder(ModelLoader.Load(_encoder), AutoTokenizer.FromFolder(_encoder));
        var a = encoder.Encode(texts);
        var b = encoder.With(pruned).Encode(texts);
        var agreement = EmbeddingAgreement.Compare(a, b);
        Assert.Equal(texts, s.TextIndices!.Select(i => data.EmbeddingTexts[i]));
        Assert.Equal(agreement.MeanCosine.Estimate, s.EmbeddingCosine!.Value, 6);
        Assert.True(s.EmbeddingCosine < 0.9999, $"60% magnitude pruning left the vectors unchanged: {s.EmbeddingCosine}");

        var judge = new PlanJudge(Cosine, 1000, 500);
        Assert.Equal(s.EmbeddingCosine!.Value, judge.KnowledgeOf(s, dense), 12);

        // The report split's numbers: the same cosine and Spearman with intervals around them; no fact scores.
        var report = ReportSplitScores.Of("pruned", s, dense, 100, 200, 2);
        Assert.Equal(agreement.MeanCosine.Estimate, report.EmbeddingCosine!.Value, 6);
        Assert.Equal(agreement.Spearman.Estimate, report.EmbeddingSpearman!.Value, 6);
        Assert.True(report.EmbeddingCosine.CiLow <= report.EmbeddingCosine.Value && report.EmbeddingCosine.Value <= report.EmbeddingCosine.CiHigh);
        Assert.Equal(texts.Count, report.NTexts);
        Assert.Null(report.PAt1);
        Assert.Null(report.Mrr);
        var denseRow = ReportSplitScores.Of("dense", dense, null, 100, 200, 32);
        Assert.Equal(1.0, denseRow.EmbeddingCosine!.Value, 9);
        Assert.Equal(1.0, denseRow.EmbeddingSpearman!.Value, 9);
        string json = JsonSerializer.Serialize(report, TrialMetrics.Json);
        Assert.Contains("\"embedding_cosine\"", json);
        Assert.DoesNotContain("p_at_1", json);
    }

    [Fact]
    public void AMaskedLm_WithFactsAndTexts_IsScoredOnBoth()
    {
        var data = SearchDataset.Load(SharedData.Fixture("models", "bert_uncased_tiny"), new SearchDataOptions { LamaDir = SharedData.Data("lama"), EmbeddingTextFile = _texts });
        Assert.Equal(ModelKind.MaskedLM, data.Dense.Kind);
        var scorer = new ModelScorer(data);
        // A hundredth of the search split: a few hundred facts, and none of the couple of dozen texts, so no cosine (NaN).
        var s = scorer.Score(data.Dense, SplitPart.Search, 0.01, bias: false);
        Assert.True(s.NFacts > 0);
        Assert.Empty(s.TextIndices!);
        Assert.True(double.IsNaN(s.EmbeddingCosine!.Value));
        var texts = scorer.Score(data.Dense, SplitPart.Search, 1, bias: false, probeFacts: false);
        Assert.Equal(0, texts.NFacts);
        Assert.Equal(1.0, texts.EmbeddingCosine!.Value, 12);
        // Facts and texts: the facts-kept default, the cosine when asked.
        Assert.Equal(KnowledgeMetric.Retained, new SearchObjective { MaxKnowledgeDrop = 0.1 }.For(data.HasFacts, data.EmbeddingTexts.Count > 0).Knowledge);
    }

    [Fact]
    public void NestedFidelityShares_TakeNestedSubsetsOfTheSearchTexts()
    {
        var data = Load();
        var scorer = new ModelScorer(data);
        var third = scorer.Score(data.Dense, SplitPart.Search, 1.0 / 3).TextIndices!;
        var all = scorer.Score(data.Dense, SplitPart.Search, 1).TextIndices!;
        Assert.NotEmpty(third);
        Assert.True(third.Count < all.Count);
        Assert.All(third, i => Assert.Contains(i, all));
    }

    [Fact]
    public void ASentenceTransformersFolder_IsEncodedAsItsConfigSays()
    {
        string st = BareEncoderFolder.Make(Path.Combine(_root, "st"), sentenceTransformer: true);
        var data = SearchDataset.Load(st, new SearchDataOptions { EmbeddingTextFile = _texts });
        Assert.Equal([PoolingMode.Cls], data.Encoder!.Settings.Pooling.Modes);
        Assert.True(data.Encoder.Settings.Normalize);
        var expected = SentenceEncoder.Load(st).Encode(data.EmbeddingTexts);
        Assert.Equal(expected, data.DenseVectors!);
        Assert.Equal(1.0, Math.Sqrt(data.DenseVectors![0].Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void DataABareEncoderCannotBeMeasuredOn_IsRefusedInOneLineNamingTheOption()
    {
        var lama = Assert.Throws<ArgumentException>(() => SearchDataset.Load(_encoder, new SearchDataOptions { LamaDir = SharedData.Data("lama"), EmbeddingTextFile = _texts }));
        Assert.StartsWith("--lama: ", lama.Message);
        Assert.Contains("masked or causal LM head", lama.Message);
        string crowsFile = SharedData.Data("crows_pairs", "crows_pairs_anonymized.csv");
        var crows = Assert.Throws<ArgumentException>(() => SearchDataset.Load(_encoder, new SearchDataOptions { EmbeddingTextFile = _texts, CrowsFile = crowsFile }));
        Assert.StartsWith("--crows: ", crows.Message);
        foreach (var e in new Exception[] { lama, crows }) Assert.DoesNotContain('\n', e.Message);

        string few = Path.Combine(_root, "few.txt");
        File.WriteAllLines(few, ["one text", "two texts"]);
        var fewTexts = Assert.Throws<InvalidDataException>(() => SearchDataset.Load(_encoder, new SearchDataOptions { EmbeddingTextFile = few }));
        Assert.StartsWith(few + ": 2 texts", fewTexts.Message);
    }

    [Fact]
    public void TheKnowledgeMetric_DefaultsToTheData_AndAMetricWithoutItsDataIsRefused()
    {
        var none = new SearchObjective { SizeBudget = SizeBudget.Parse("0.5", "b") };
        Assert.Equal(KnowledgeMetric.Retained, none.For(facts: true, texts: true).Knowledge);
        Assert.Equal(KnowledgeMetric.Retained, none.For(facts: true, texts: false).Knowledge);
        Assert.Equal(KnowledgeMetric.EmbeddingCosine, none.For(facts: false, texts: true).Knowledge);
        Assert.Equal(KnowledgeMetric.EmbeddingCosine, (none with { Knowledge = KnowledgeMetric.EmbeddingCosine }).For(facts: true, texts: true).Knowledge);
        Assert.StartsWith("--knowledge cosine: ", Assert.Throws<ArgumentException>(() => (none with { Knowledge = KnowledgeMetric.EmbeddingCosine }).For(true, false)).Message);
        Assert.StartsWith("--knowledge retained: ", Assert.Throws<ArgumentException>(() => (none with { Knowledge = KnowledgeMetric.Retained }).For(false, true)).Message);
        Assert.StartsWith("--knowledge p@1: ", Assert.Throws<ArgumentException>(() => (none with { Knowledge = KnowledgeMetric.PAt1 }).For(false, true)).Message);
    }

    [Fact]
    public void TrialMetricsStoredBeforeTheEmbeddingCosine_StillRead()
    {
        var old = TrialMetrics.FromJson("""{"rung": 2, "fraction": 1, "evaluated": true, "n_facts": 40, "knowledge": 0.9, "p_at_1": 0.5, "retained": 0.9, "loss": 0.1, "objectives": [0.3, 0.1, 0]}""");
        Assert.Null(old.EmbeddingCosine);
        Assert.Null(old.NTexts);
        Assert.Equal(0.9, old.Retained);
        var now = TrialMetrics.FromJson(new TrialMetrics { Evaluated = true, Knowledge = 0.97, EmbeddingCosine = 0.97, NTexts = 20 }.ToJson());
        Assert.Equal(0.97, now.EmbeddingCosine);
        Assert.Equal(20, now.NTexts);
        Assert.Null(now.PAt1);
    }
}
