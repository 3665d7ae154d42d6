using MLNet.Compression.Evaluation;
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Evaluation.Knowledge;

/// <summary>LAMA metrics on hand-worked ranks, the readers on small files in each format, bad data, and the decoder probe.</summary>
public sealed class LamaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lama-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, params string[] lines)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static LamaFactResult Fact(int rank) => new("u", 0, 1, "g", 1, rank, "t", 2, -1);

    [Fact]
    public void Metrics_FollowLamasRules_OnHandWorkedRanks()
    {
        // ranks 1, 2, 20000, 10:
        //   P@1  = 1/4 = 0.25;  P@10 = (1, 2, 10) = 3/4
        //   MRR  = (1 + 1/2 + 0 [rank > 10000 counts 0] + 1/10) / 4 = 1.6 / 4 = 0.4
        //   untruncated MRR = (1 + 0.5 + 0.00005 + 0.1) / 4 = 0.4000125
        var r = new LamaRelationResult("P1", null, 5, 1, 0, 0, [Fact(1), Fact(2), Fact(20000), Fact(10)]);
        Assert.Equal(0.25, r.PAt1, 12);
        Assert.Equal(0.75, r.PAtK, 12);
        Assert.Equal(0.4, r.Mrr, 12);
        Assert.Equal(0.4000125, r.MrrUntruncated, 12);
        // A second relation with one fact at rank 1: macro P@1 = (0.25 + 1) / 2 = 0.625; micro = (1 + 1) / 5 = 0.4.
        var s = new LamaSubsetResult("X", [r, new LamaRelationResult("P2", null, 1, 0, 0, 0, [Fact(1)])]);
        Assert.Equal(0.625, s.MacroPAt1, 12);
        Assert.Equal(0.4, s.MicroPAt1, 12);
    }

    [Fact]
    public void Readers_ReadEveryFormat_ConceptNetOriginalTRexAndFacts()
    {
        var cn = LamaReader.ReadFacts(Write("cn.jsonl",
            """{"sub": "alive", "obj": "think", "pred": "HasSubevent", "masked_sentences": ["One of the things you do when you are alive is [MASK]."], "obj_label": "think", "uuid": "c1"}""",
            "",
            """{"sub": "bird", "pred": "CapableOf", "masked_sentences": ["A bird can [MASK]."], "obj_label": "fly", "uuid": "c2"}"""));
        Assert.Equal(2, cn.Facts.Count);
        Assert.Equal(("alive", "think", 0), (cn.Facts[0].SubLabel, cn.Facts[0].ObjLabel, cn.Facts[0].Line));
        Assert.Equal(2, cn.Facts[1].Line);   // 0-based line of the file, blank lines included
        Assert.Equal("A bird can [MASK].", cn.Facts[1].MaskedSentences.Single());

        var orig = LamaReader.ReadFacts(SharedData.Data("lama", "TREx_original", "P108.jsonl"));
        Assert.Equal("Steve Jobs", orig.Facts[0].SubLabel);
        Assert.Equal("P108", orig.Facts[0].PredicateId);
        Assert.StartsWith("[MASK] was founded by Steve Jobs", orig.Facts[0].MaskedSentences[0]);

        var google = LamaReader.ReadFacts(SharedData.Data("lama", "Google_RE", "place_of_birth_test.jsonl"));
        Assert.Equal(4, google.Facts[0].JudgmentsYes);
        Assert.Equal(1, google.Facts[0].JudgmentsNo);
    }

    [Fact]
    public void BadData_NamesFileAndLine_OrIsCountedWhenSkipping()
    {
        string path = Write("bad.jsonl", """{"sub_label": "a", "obj_label": "paris"}""", "{not json", """{"sub_label": "b"}""");
        var e = Assert.Throws<EvaluationDataException>(() => LamaReader.ReadFacts(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(2, e.Line);
        Assert.Contains("bad.jsonl:2", e.Message);

        string missing = Write("missing.jsonl", """{"sub_label": "a", "obj_label": "paris"}""", """{"sub_label": "b"}""");
        var m = Assert.Throws<EvaluationDataException>(() => LamaReader.ReadFacts(missing));
        Assert.Equal(2, m.Line);
        Assert.Contains("obj_label", m.Message);

        var skipped = LamaReader.ReadFacts(path, skipBadLines: true);
        Assert.Single(skipped.Facts);
        Assert.Equal(2, skipped.BadLines);
        Assert.Equal(3, skipped.LineCount);

        var empty = Assert.Throws<EvaluationDataException>(() => LamaReader.ReadFacts(Write("empty.jsonl")));
        Assert.Contains("empty", empty.Message);
        Assert.Null(empty.Line);
    }

    [Fact]
    public void UnknownRelation_IsAnErrorListingTheKnownOnes()
    {
        var e = Assert.Throws<EvaluationDataException>(() => LamaSubset.FromFolder(SharedData.Data("lama"), ["P9999"]));
        Assert.Contains("P9999", e.Message);
        Assert.Contains("P19", e.Message);
    }

    [Fact]
    public void MaskedProbe_FiltersAndDeduplicatesAsLama_AndRanksWithTheModel()
    {
        // 4 lines: a duplicate (sub, obj) pair (lines 0 and 2 → one fact with 2 source lines), a multi-word object whose
        // pieces rejoin to the label ("new york": counted as multi-token and skipped), and an object WordPiece splits
        // ("torontoville" → pieces that do not rejoin: skipped as not in the vocabulary).
        Write("TREx/P1.jsonl",
            """{"sub_label": "Alan", "obj_label": "Paris", "uuid": "a"}""",
            """{"sub_label": "Bea", "obj_label": "New York", "uuid": "b"}""",
            """{"sub_label": "alan", "obj_label": "paris", "uuid": "c"}""",
            """{"sub_label": "Cy", "obj_label": "Torontoville", "uuid": "d"}""");
        Write("relations.jsonl", """{"relation": "P1", "template": "[X] was born in [Y] .", "label": "born"}""");
        string model = SharedData.Fixture("models", "bert_uncased_tiny");
        var lm = ModelLoader.Load(model);
        var tokenizer = AutoTokenizer.FromFolder(model);
        var result = new LamaProbe(lm, tokenizer).Run(LamaSubset.FromFolder(_dir)).Single().Relations.Single();
        Assert.Equal(4, result.NLines);
        Assert.Equal(1, result.NFacts);
        Assert.Equal(2, result.NSkipped);
        Assert.Equal(1, result.NMultiToken);
        var fact = result.Facts.Single();
        Assert.Equal(("a", 0, 2, "paris"), (fact.Uuid, fact.Line, fact.NSourceLines, fact.Gold));

        // The same rank from one unbatched forward pass of "[CLS] alan was born in [MASK] . [SEP]".
        var ids = tokenizer.EncodeToIds("alan was born in [MASK] .").ToArray();
        int pos = Array.IndexOf(ids, tokenizer.MaskTokenId!.Value);
        var logits = lm.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids)), new ForwardOptions { LogitPositions = [pos] }).Logits;
        var lp = new float[logits.Dim(-1)];
        TensorOps.LogSoftmaxRow(logits.ReadOnlySpan, lp);
        Assert.Equal(Ranking.RankOf(lp, tokenizer.TokenToId("paris")!.Value), fact.Rank);
        Assert.Equal(Ranking.ArgMax(lp), fact.Top1Id);
    }

    [Fact]
    public void CommonVocab_RestrictsCandidatesAndFacts()
    {
        Write("TREx/P1.jsonl", """{"sub_label": "Alan", "obj_label": "Paris", "uuid": "a"}""", """{"sub_label": "Bo", "obj_label": "Rome", "uuid": "b"}""");
        Write("relations.jsonl", """{"relation": "P1", "template": "[X] was born in [Y] ."}""");
        string model = SharedData.Fixture("models", "bert_uncased_tiny");
        var probe = new LamaProbe(ModelLoader.Load(model), AutoTokenizer.FromFolder(model), new LamaProbe.Options { CommonVocab = ["paris", "london"] });
        var r = probe.Run(LamaSubset.FromFolder(_dir)).Single().Relations.Single();
        // "rome" is not in the common vocabulary → skipped; "paris" is ranked among 2 candidates only.
        Assert.Equal(1, r.NFacts);
        Assert.Equal(1, r.NSkipped);
        Assert.InRange(r.Facts[0].Rank, 1, 2);
        Assert.Contains(r.Facts[0].Top1, new[] { "paris", "london" });
    }

    [Fact]
    public void DecoderProbe_RanksTheNextTokenWhereYEndsTheTemplate_AndCandidatesOtherwise()
    {
        Write("TREx/P1.jsonl", """{"sub_label": "France", "obj_label": "Paris", "uuid": "a"}""", """{"sub_label": "Italy", "obj_label": "Rome", "uuid": "b"}""");
        Write("TREx/P2.jsonl", """{"sub_label": "France", "obj_label": "Paris", "uuid": "a"}""", """{"sub_label": "Italy", "obj_label": "Rome", "uuid": "b"}""");
        Write("relations.jsonl", """{"relation": "P1", "template": "The capital of [X] is [Y]"}""", """{"relation": "P2", "template": "[Y] is the capital of [X] ."}""");
        string dir = SharedData.Fixture("models", "gpt2_tiny");
        var lm = ModelLoader.Load(dir);
        var tokenizer = AutoTokenizer.FromFolder(dir);
        var rels = new LamaProbe(lm, tokenizer).Run(LamaSubset.FromFolder(_dir)).Single().Relations;

        // P1: next-token ranking after "<|endoftext|>The capital of France is"; gold = the id of " Paris".
        var ids = new[] { 50256 }.Concat(tokenizer.EncodeToIds("The capital of France is")).ToArray();
        var logits = lm.Forward(new ModelInput(new TokenBatch(1, ids.Length, ids)), new ForwardOptions { LogitPositions = [ids.Length - 1] }).Logits;
        var lp = new float[logits.Dim(-1)];
        TensorOps.LogSoftmaxRow(logits.ReadOnlySpan, lp);
        int gold = tokenizer.EncodeToIds(" Paris").Single();
        Assert.Equal(gold, rels[0].Facts[0].GoldId);
        Assert.Equal(Ranking.RankOf(lp, gold), rels[0].Facts[0].Rank);

        // P2: [Y] is not last → the two objects compete by sentence log-likelihood; the gold ranks 1 or 2, and rank 1
        // exactly when its sentence scores at least as high as the other.
        var scorer = new CausalLmScorer(lm);
        int[] S(string t) => new[] { 50256 }.Concat(tokenizer.EncodeToIds(t)).ToArray();
        var a = S("Paris is the capital of France .");
        var b = S("Rome is the capital of France .");
        var ll = scorer.ContinuationLogLikelihoods([(a[..1], a[1..]), (b[..1], b[1..])]);
        Assert.Equal(ll[0] >= ll[1] ? 1 : 2, rels[1].Facts[0].Rank);
        Assert.Equal(ll[0], rels[1].Facts[0].GoldLogProb, 1e-4);
    }

    [SkippableFact]
    public void T5Probe_RanksTheFirstSpanTokenAtTheSentinel()
    {
        Write("TREx/P1.jsonl", """{"sub_label": "France", "obj_label": "Paris", "uuid": "a"}""");
        Write("relations.jsonl", """{"relation": "P1", "template": "The capital of [X] is [Y] ."}""");
        string dir = SharedData.Fixture("models", "t5_tiny");
        var lm = ModelLoader.Load(dir);
        var tokenizer = AutoTokenizer.FromFolder(dir);
        var r = new LamaProbe(lm, tokenizer).Run(LamaSubset.FromFolder(_dir)).Single().Relations.Single();
        if (r.NFacts == 0) Assert.Equal(1, r.NMultiToken + r.NSkipped);
        Skip.If(r.NFacts == 0, "\"Paris\" is not one piece in this vocabulary: the fact is counted as multi-token and there is no rank to check.");
        var enc = tokenizer.EncodeToIds("The capital of France is <extra_id_0> .").ToArray();
        float[]? lp = null;
        new Seq2SeqSpanScorer(lm, tokenizer).FirstSpanTokenLogProbs([enc], (_, d) => lp = d.ToArray());
        Assert.Equal(Ranking.RankOf(lp!, r.Facts[0].GoldId), r.Facts[0].Rank);
    }

    [Fact]
    public void NamburiProtocol_ComparesLowercasedDecodedTopPredictionsToTheLabel()
    {
        Write("TREx/P1.jsonl", """{"sub_label": "Alan", "obj_label": "Paris", "uuid": "a"}""", """{"sub_label": "Bo", "obj_label": "New York", "uuid": "b"}""");
        Write("relations.jsonl", """{"relation": "P1", "template": "[X] was born in [Y] ."}""");
        string model = SharedData.Fixture("models", "bert_uncased_tiny");
        var r = new LamaProbe(ModelLoader.Load(model), AutoTokenizer.FromFolder(model), new LamaProbe.Options { Protocol = LamaProtocol.Namburi2023 })
            .Run(LamaSubset.FromFolder(_dir)).Single().Relations.Single();
        // Every fact is kept (no single-token filter), with 5 lower-cased predictions each.
        Assert.Equal(2, r.NFacts);
        Assert.All(r.Facts, f => Assert.Equal(5, f.Top5!.Count));
        Assert.Equal("new york", r.Facts[1].Gold);
        double top5 = r.Facts.Count(f => f.Top5!.Contains(f.Gold)) / 2.0;
        Assert.Equal(top5, r.NamburiTop5, 12);
        Assert.Equal(r.Facts[0].Top5![0], AutoTokenizer.FromFolder(model).Decode([r.Facts[0].Top1Id]).Trim().ToLowerInvariant());
    }
}
