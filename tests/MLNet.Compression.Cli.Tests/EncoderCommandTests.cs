using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Cli.Tests;

/// <summary>
/// A bare encoder (bert_uncased_tiny without its masked-LM head and base prefix, as BertModel.save_pretrained writes it)
/// through embed, prune, quantize, study, search --embedding-text and bias --seat; commands that need a head say so in one line.
/// </summary>
public sealed class EncoderCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cli-encoder-").FullName;
    private readonly string _encoder;

    public EncoderCommandTests()
    {
        _encoder = Path.Combine(_root, "encoder");
        Directory.CreateDirectory(_encoder);
        string src = CliProcess.Fixture("bert_uncased_tiny");
        foreach (var f in Directory.GetFiles(src).Where(f => Path.GetFileName(f) is not ("model.safetensors" or "config.json")))
            File.Copy(f, Path.Combine(_encoder, Path.GetFileName(f)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(src, "config.json")))!.AsObject();
        config["architectures"] = new JsonArray("BertModel");
        File.WriteAllText(Path.Combine(_encoder, "config.json"), config.ToJsonString());
        var writer = new SafeTensorsWriter();
        using (var file = SafeTensorsFile.Open(Path.Combine(src, "model.safetensors")))
            foreach (var t in file.Tensors.Where(t => !t.Name.StartsWith("cls.", StringComparison.Ordinal)))
                writer.Add(t.Name.StartsWith("bert.", StringComparison.Ordinal) ? t.Name["bert.".Length..] : t.Name, file.ReadFloat32(t.Name), t.Shape);
        writer.Save(Path.Combine(_encoder, "model.safetensors"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private string Out(string name) => Path.Combine(_root, name);

    private static readonly string[] Sentences =
    [
        "The cat sat on the mat.", "A dog ran across the park.", "Paris is the capital of France.", "Rome is the capital of Italy.",
        "She plays the piano every evening.", "He plays the guitar at night.", "The river runs to the sea.", "Mountains rise above the valley.",
    ];

    private string Texts()
    {
        string path = Out("texts.txt");
        File.WriteAllLines(path, Sentences);
        return path;
    }

    [Fact]
    public void Embed_WritesOneVectorPerText_EqualToTheLibrarysEncoder()
    {
        string input = Out("in.jsonl");
        File.WriteAllLines(input, Sentences.Take(3).Select(s => JsonSerializer.Serialize(new { text = s })));
        var (code, output, err) = CliProcess.Run("embed", "--model", _encoder, "--input", input, "-o", Out("vectors.jsonl"));
        Assert.True(code == 0, output + err);
        var lines = File.ReadAllLines(Out("vectors.jsonl"));
        Assert.Equal(3, lines.Length);
        var expected = SentenceEncoder.Load(_encoder).Encode(Sentences.Take(3).ToList());
        for (int i = 0; i < 3; i++)
        {
            var row = JsonNode.Parse(lines[i])!;
            Assert.Equal(i, (int)row["index"]!);
            Assert.Equal(expected[i], row["embedding"]!.AsArray().Select(v => (float)v!).ToArray());
        }

        (code, output, err) = CliProcess.Run("embed", "--model", _encoder, "--input", Texts(), "--pooling", "cls", "--normalize", "-o", Out("vectors.safetensors"));
        Assert.True(code == 0, output + err);
        using var file = SafeTensorsFile.Open(Out("vectors.safetensors"));
        Assert.Equal(new[] { Sentences.Length, 32 }, file.Info("embeddings").Shape);
        var v = file.ReadFloat32("embeddings").AsSpan(0, 32).ToArray();
        Assert.Equal(1, Math.Sqrt(v.Sum(x => (double)x * x)), 5);
    }

    [Fact]
    public void PruneQuantizeAndEmbed_RunOnABareEncoder()
    {
        var (code, output, err) = CliProcess.Run("prune", "--model", _encoder, "--method", "magnitude", "--groups", "all", "--sparsity", "0.5", "-o", Out("pruned"));
        Assert.True(code == 0, output + err);
        (code, output, err) = CliProcess.Run("prune", "--model", _encoder, "--method", "wanda", "--sparsity", "0.5", "--calibration", Texts(), "-o", Out("wanda"));
        Assert.True(code == 0, output + err);
        (code, output, err) = CliProcess.Run("quantize", "--model", Out("pruned"), "--method", "dynamic-int8", "-o", Out("pruned-int8"));
        Assert.True(code == 0, output + err);
        Assert.Equal(ModelKind.Encoder, ModelLoader.Load(Out("pruned-int8")).Kind);
        (code, output, err) = CliProcess.Run("embed", "--model", Out("pruned-int8"), "--input", Texts(), "-o", Out("v.jsonl"));
        Assert.True(code == 0, output + err);
        Assert.Equal(Sentences.Length, File.ReadAllLines(Out("v.jsonl")).Length);
    }

    [Fact]
    public void Study_MeasuresSentenceVectorsAgainstDense_WithCalibratedMethods()
    {
        string grid = Out("grid.json");
        File.WriteAllText(grid, """
            { "name": "encoder", "points": [
              { "name": "magnitude 0.5", "stages": [ { "stage": "prune", "method": "magnitude", "sparsity": 0.5, "scope": "local" } ] },
              { "name": "wanda 0.5", "stages": [ { "stage": "prune", "method": "wanda", "sparsity": 0.5 } ] },
              { "name": "sparsegpt 0.5", "stages": [ { "stage": "prune", "method": "sparsegpt", "sparsity": 0.5 } ] } ] }
            """);
        var (code, output, err) = CliProcess.Run("study", "--model", _encoder, "--embedding-text", Texts(), "--calibration", Texts(), "--grid", grid,
            "--bootstrap-resamples", "100", "-o", Out("study"));
        Assert.True(code == 0, output + err);
        Assert.Contains("cosine to dense", output);
        var points = JsonNode.Parse(File.ReadAllText(Path.Combine(Out("study"), "results.json")))!["points"]!.AsArray();
        Assert.Equal(4, points.Count);
        var dense = points.Single(p => (string)p!["method"]! == "dense")!;
        Assert.Equal(1.0, (double)dense["embedding_cosine"]!, 6);
        foreach (var p in points.Where(p => (string)p!["method"]! != "dense"))
        {
            double cos = (double)p!["embedding_cosine"]!;
            Assert.InRange(cos, -1, 0.999999);   // pruning half the weights moves every vector
            var ci = p["intervals"]!["embedding_spearman"]!;
            Assert.True((double)ci["ci_low"]! <= (double)ci["value"]! && (double)ci["value"]! <= (double)ci["ci_high"]!);
            Assert.Null(p["p_at_1"]);
        }
        Assert.Contains("Sentence vectors vs sparsity", File.ReadAllText(Path.Combine(Out("study"), "report.html")));
    }

    [Fact]
    public void BiasSeat_EncodesWithTheEncodersPooling_AndHeadedCommandsSayWhatTheyNeed()
    {
        string seat = Path.Combine(CliProcess.Shared, "data", "seat", "sent-religion1.jsonl");
        var (code, output, err) = CliProcess.Run("bias", "--model", _encoder, "--seat", seat, "--seat-samples", "1000", "-o", Out("bias.json"));
        Assert.True(code == 0, output + err);
        var json = JsonNode.Parse(File.ReadAllText(Out("bias.json")))!;
        Assert.NotNull(json["seat"]);

        (code, _, err) = CliProcess.Run("bias", "--model", _encoder, "--crows", Path.Combine(CliProcess.Shared, "data", "crows_pairs", "crows_pairs_anonymized.csv"));
        Assert.Equal(1, code);
        Assert.Contains("is a bare encoder (no masked-LM head)", Assert.Single(err.Trim().Split('\n')));
        (code, _, err) = CliProcess.Run("probe", "--model", _encoder, "--lama", Path.Combine(CliProcess.Shared, "data", "lama"), "--relations", "P36");
        Assert.Equal(1, code);
        Assert.Contains("bare encoder", Assert.Single(err.Trim().Split('\n')));
        (code, _, err) = CliProcess.Run("study", "--model", _encoder, "--lama", Path.Combine(CliProcess.Shared, "data", "lama"), "-o", Out("s2"));
        Assert.Equal(1, code);
        Assert.Contains("--embedding-text", Assert.Single(err.Trim().Split('\n')));
    }

    /// <summary>48 distinct sentences, so each half of the search/report split has a couple of dozen.</summary>
    private string ManyTexts()
    {
        string path = Out("many.txt");
        string[] subjects = ["The cat", "A young dog", "My neighbour", "The old teacher", "A tired farmer", "The river", "Her brother", "A small bird"];
        string[] verbs = ["sleeps", "walks slowly", "sings loudly", "waits quietly", "works hard", "looks around"];
        File.WriteAllLines(path, Enumerable.Range(0, 48).Select(i => $"{subjects[i % 8]} {verbs[i / 8]} {(i % 3 == 0 ? "in the garden" : i % 3 == 1 ? "by the sea" : "near the station")}."));
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Search_OnEmbeddingText_SearchesABareEncoderOrSentenceTransformer_AndWritesItsResults(bool sentenceTransformer)
    {
        string model = _encoder;
        if (sentenceTransformer)
        {
            // The same encoder as a sentence-transformers folder: CLS pooling and Normalize, which the search must use.
            model = Out("st");
            Directory.CreateDirectory(model);
            foreach (var f in Directory.GetFiles(_encoder)) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
            File.WriteAllText(Path.Combine(model, "modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
                """);
            Directory.CreateDirectory(Path.Combine(model, "1_Pooling"));
            File.WriteAllText(Path.Combine(model, "1_Pooling", "config.json"), """{"word_embedding_dimension": 32, "pooling_mode_cls_token": true}""");
            Directory.CreateDirectory(Path.Combine(model, "2_Normalize"));
        }
        string outDir = Out("search-" + sentenceTransformer);
        var (code, output, err) = CliProcess.Run("search", "--model", model, "--embedding-text", ManyTexts(), "--knowledge", "cosine", "--size-budget", "0.3",
            "--bits", "none,8,4,2", "--pruners", "magnitude", "--quantizers", "rtn", "--group-sizes", "32", "--trials", "3", "--fidelities", "full", "-o", outDir);
        Assert.True(code == 0, output + err);
        Assert.Contains("emb. cosine", output);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        Assert.Equal(3, json["trials"]!.AsArray().Count);
        Assert.Equal("embedding_cosine", (string?)json["sensitivity"]!["proxy"]);
        var best = json["trials"]!.AsArray().Single(t => (int)t!["id"]! == (int)json["best_trial"]!)!["metrics"]!;
        Assert.Equal((double)best["embedding_cosine"]!, (double)best["knowledge"]!);
        Assert.Null(best["p_at_1"]);
        var report = json["report_split"]!.AsArray();
        Assert.Equal(1.0, (double)report.Single(x => (string?)x!["name"] == "dense")!["embedding_cosine"]!["value"]!, 9);
        var bestRow = report.Single(x => (string?)x!["name"] == "best plan")!;
        Assert.NotNull(bestRow["embedding_spearman"]);
        Assert.Null(bestRow["p_at_1"]);
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("embedding cosine", html);
        Assert.DoesNotContain("LAMA P@1", html);
        Assert.True(File.Exists(Path.Combine(outDir, "best.recipe.json")));
        // The best model keeps the sentence-transformers modules, so it encodes as the folder it came from.
        Assert.Equal(sentenceTransformer, File.Exists(Path.Combine(outDir, "best-model", "modules.json")));
    }

    [Fact]
    public void Search_OfABareEncoder_RefusesFactsAndBiasItems_InOneLineNamingTheOption()
    {
        string texts = ManyTexts();
        var (code, output, err) = CliProcess.Run("search", "--model", _encoder, "--embedding-text", texts, "--lama", Path.Combine(CliProcess.Shared, "data", "lama"),
            "--size-budget", "0.3", "-o", Out("s-lama"));
        Assert.True(code == 1, output + err);
        Assert.StartsWith("error: --lama: ", Assert.Single(err.Trim().Split('\n')));
        Assert.Contains("masked or causal LM head", err);
        (code, output, err) = CliProcess.Run("search", "--model", _encoder, "--embedding-text", texts,
            "--crows", Path.Combine(CliProcess.Shared, "data", "crows_pairs", "crows_pairs_anonymized.csv"), "--size-budget", "0.3", "-o", Out("s-crows"));
        Assert.True(code == 1, output + err);
        Assert.StartsWith("error: --crows: ", Assert.Single(err.Trim().Split('\n')));
        (code, output, err) = CliProcess.Run("search", "--model", _encoder, "--size-budget", "0.3", "-o", Out("s-none"));
        Assert.True(code == 1, output + err);
        Assert.StartsWith("error: --lama, --embedding-text: ", Assert.Single(err.Trim().Split('\n')));
        (code, output, err) = CliProcess.Run("search", "--model", _encoder, "--embedding-text", texts, "--knowledge", "retained", "--size-budget", "0.3", "-o", Out("s-ret"));
        Assert.True(code == 1, output + err);
        Assert.StartsWith("error: --knowledge retained: ", Assert.Single(err.Trim().Split('\n')));
    }

    [Fact]
    public void ExportEncoderOnly_WritesTheBareEncoderOfAMaskedLm()
    {
        var (code, output, err) = CliProcess.Run("export", "--model", CliProcess.Fixture("bert_uncased_tiny"), "--format", "hf", "--encoder-only", "-o", Out("bare"));
        Assert.True(code == 0, output + err);
        var bare = ModelLoader.Load(Out("bare"));
        var mlm = ModelLoader.Load(CliProcess.Fixture("bert_uncased_tiny"));
        Assert.Equal(ModelKind.Encoder, bare.Kind);
        using (var file = SafeTensorsFile.Open(Path.Combine(Out("bare"), "model.safetensors")))
            Assert.DoesNotContain(file.Tensors, t => t.Name.StartsWith("cls.", StringComparison.Ordinal) || t.Name.StartsWith("bert.", StringComparison.Ordinal));
        var input = new ModelInput(new TokenBatch(1, 5, [101, 7592, 2088, 999, 102]));
        Assert.Equal(mlm.Forward(input).LastHiddenState!.Data, bare.Forward(input).LastHiddenState!.Data);

        (code, _, err) = CliProcess.Run("export", "--model", CliProcess.Fixture("gpt2_tiny"), "--encoder-only", "-o", Out("nope"));
        Assert.Equal(1, code);
        Assert.Contains("--encoder-only", Assert.Single(err.Trim().Split('\n')));
    }

    [Fact]
    public void ExportEncoderOnly_OfT5_WritesAT5EncoderModel_ThatEmbedRuns()
    {
        var (code, output, err) = CliProcess.Run("export", "--model", CliProcess.Fixture("t5_tiny"), "--encoder-only", "-o", Out("t5-encoder"));
        Assert.True(code == 0, output + err);
        var encoder = ModelLoader.Load(Out("t5-encoder"));
        Assert.IsType<MLNet.Compression.Modeling.T5.T5EncoderModel>(encoder);
        string texts = Out("t5-texts.txt");
        File.WriteAllLines(texts, Sentences);
        (code, output, err) = CliProcess.Run("embed", "--model", Out("t5-encoder"), "--input", texts, "-o", Out("t5-vectors.jsonl"));
        Assert.True(code == 0, output + err);
        var expected = SentenceEncoder.Load(Out("t5-encoder")).Encode(Sentences);
        var rows = File.ReadAllLines(Out("t5-vectors.jsonl")).Select(l => JsonNode.Parse(l)!["embedding"]!.AsArray().Select(v => (float)v!).ToArray()).ToArray();
        Assert.Equal(Sentences.Length, rows.Length);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(expected[i], rows[i]);
    }
}
