using MLNet.Compression.Tests;
using System.Text.Json.Nodes;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Reporting;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.AutoSearch.Tests.Embeddings;

/// <summary>Whole searches of a bare encoder on the embedding cosine: trials stored and judged, resume, the best plan's bounds, the report.</summary>
public sealed class EmbeddingSearchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("emb-search-").FullName;
    private readonly string _encoder;
    private readonly string _texts;

    public EmbeddingSearchTests()
    {
        _encoder = BareEncoderFolder.Make(Path.Combine(_root, "encoder"));
        _texts = BareEncoderFolder.Texts(Path.Combine(_root, "texts.txt"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Db => "sqlite:" + Path.Combine(_root, "study.db");

    private CompressionExperiment Experiment(int trials, string? texts = null)
        => new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(_encoder).SetData(new SearchDataOptions { EmbeddingTextFile = texts ?? _texts })
            .SetSearchSpace(new CompressionSpaceOptions { Bits = ["none", "8", "4", "2"], Pruners = ["magnitude"], Quantizers = ["rtn"], GroupSizes = [32] })
            // No knowledge metric given: with only embedding texts the search keeps the embedding cosine.
            .SetObjective(new SearchObjective { SizeBudget = SizeBudget.Parse("0.3", "--size-budget"), MaxKnowledgeDrop = 0.2 })
            .SetTuner("cfo").SetStorage(Db).SetStudy("emb").SetMaxTrials(trials);

    [Fact]
    public async Task ASearchOfABareEncoder_OnTheEmbeddingCosine_StoresItsTrials_Resumes_AndItsBestKeepsTheBounds()
    {
        var r = await Experiment(5).RunAsync();

        Assert.Equal(5, r.Trials.Count);
        Assert.All(r.Trials, t => Assert.True(t.IsComplete && t.Status != TrialStatus.Failed, $"trial {t.Id}: {t.Status} {t.Error}"));
        var measured = r.Trials.Select(ExperimentResult.MetricsOf).Where(m => m is { Evaluated: true }).Select(m => m!).ToList();
        Assert.NotEmpty(measured);
        Assert.All(measured, m =>
        {
            Assert.Equal(m.EmbeddingCosine, m.Knowledge);
            Assert.Equal(1.0, m.BaseKnowledge!.Value, 12);
            Assert.Equal(1 - m.EmbeddingCosine!.Value, m.KnowledgeDrop!.Value, 12);
            Assert.True(m.NTexts > 0);
            Assert.Null(m.PAt1);
            Assert.Null(m.Retained);
        });
        Assert.Equal("embedding_cosine", r.Sensitivity!.Proxy);
        Assert.Contains(r.Sensitivity.Units.SelectMany(u => u.Probes), p => p.Delta > 0);
        Assert.Contains(measured, m => m.KnowledgeDrop > 1e-6);

        var best = Assert.IsType<TrialRecord>(r.Best);
        var bm = ExperimentResult.MetricsOf(best)!;
        Assert.True(bm.Feasible && bm.Evaluated);
        Assert.True(bm.SearchedBytes <= r.SearchedLimit, $"{bm.SearchedBytes} > {r.SearchedLimit}");
        Assert.True(bm.KnowledgeDrop <= 0.2, $"drop {bm.KnowledgeDrop}");

        // The report split: dense agrees with itself; the best plan has both measures with intervals and no fact scores.
        var dense = r.Report.Single(x => x.Name == "dense");
        Assert.Equal(1.0, dense.EmbeddingCosine!.Value, 9);
        var rep = r.Report.Single(x => x.Name == "best plan");
        Assert.True(rep.EmbeddingCosine!.CiLow <= rep.EmbeddingCosine.Value && rep.EmbeddingCosine.Value <= rep.EmbeddingCosine.CiHigh);
        Assert.NotNull(rep.EmbeddingSpearman);
        Assert.Null(rep.PAt1);

        var json = ExperimentResultJson.ToJson(r);
        var bestRow = json["report_split"]!.AsArray().Single(x => (string?)x!["name"] == "best plan")!;
        Assert.NotNull(bestRow["embedding_cosine"]);
        Assert.Null(bestRow["p_at_1"]);
        string html = SearchReportPage.Html(r);
        Assert.Contains("embedding cosine", html);
        Assert.DoesNotContain("LAMA P@1", html);

        // A second run resumes: the stored trials are kept, only the new ones run.
        var again = await Experiment(7).RunAsync();
        Assert.Equal(7, again.Trials.Count(t => t.IsComplete));
        Assert.Equal(2, again.TrialsRunHere);
        foreach (var t in r.Trials) Assert.Equal(t.CompletedAt, again.Trials.Single(x => x.Id == t.Id).CompletedAt);

        // Other texts are other data: resuming the study with them is refused.
        string other = Path.Combine(_root, "other.txt");
        File.WriteAllLines(other, File.ReadAllLines(_texts).Select(l => l.Replace("garden", "forest")));
        Assert.Contains("model", Assert.Throws<StudyMismatchException>(() => Experiment(7, other).Prepare()).Message);

        // So is another pooling of the same weights: the folder becomes a sentence-transformers one with CLS pooling.
        string st = BareEncoderFolder.Make(Path.Combine(_root, "st"), sentenceTransformer: true);
        foreach (var f in new[] { "modules.json", Path.Combine("1_Pooling", "config.json") })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_encoder, f))!);
            File.Copy(Path.Combine(st, f), Path.Combine(_encoder, f));
        }
        Directory.CreateDirectory(Path.Combine(_encoder, "2_Normalize"));
        Assert.Contains("model", Assert.Throws<StudyMismatchException>(() => Experiment(7).Prepare()).Message);
    }

    [Fact]
    public void ASearchWithoutFactsOrTexts_IsRefusedNamingBothOptions()
    {
        var e = Assert.Throws<ArgumentException>(() => new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(_encoder).SetData(new SearchDataOptions()).SetObjective(new SearchObjective { SizeBudget = SizeBudget.Parse("4bits", "b") })
            .SetStorage(Db).Prepare());
        Assert.StartsWith("--lama, --embedding-text: ", e.Message);
        var cosine = Assert.Throws<ArgumentException>(() => new CompressionContext(1).Auto().CreateExperiment()
            .SetModel(_encoder).SetData(new SearchDataOptions { LamaDir = SharedData.Data("lama") })
            .SetObjective(new SearchObjective { Knowledge = KnowledgeMetric.EmbeddingCosine, SizeBudget = SizeBudget.Parse("4bits", "b") })
            .SetStorage(Db).Prepare());
        Assert.StartsWith("--knowledge cosine: ", cosine.Message);
        Assert.False(File.Exists(Path.Combine(_root, "study.db")));
    }
}
