using System.Diagnostics;
using System.Globalization;
using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// What a search trial costs: `-- search-cost [--relations P19,P20,P36,P101,P108] [--postgres URL]`.
/// On a BERT-base-shaped model (random weights, the bert-base-uncased vocabulary) with real LAMA T-REx facts it times one
/// trial's parts — compressing with a 4-bit RTN plan, and scoring the search split at each ASHA share (1/9, 1/3, 1) —
/// then the store's overhead per trial (claim + complete of empty trials) for SQLite and, given a URL, PostgreSQL.
/// The table of docs/BENCHMARKS.md "Search: cost of a trial".
/// </summary>
public static class SearchCostBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        string shared = Environment.GetEnvironmentVariable("MLNET_SHARED") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared"));
        var relations = (Value(args, "--relations") ?? "P19,P20,P36,P101,P108").Split(',').ToHashSet();
        string lama = Path.Combine(Path.GetTempPath(), "mlnet-search-cost-lama");
        // A LAMA folder with the chosen T-REx relations only, so the full-fidelity time stays in minutes on 2 cores.
        Directory.CreateDirectory(Path.Combine(lama, "TREx"));
        foreach (var r in relations) File.Copy(Path.Combine(shared, "data", "lama", "TREx", r + ".jsonl"), Path.Combine(lama, "TREx", r + ".jsonl"), overwrite: true);
        File.WriteAllLines(Path.Combine(lama, "relations.jsonl"), File.ReadLines(Path.Combine(shared, "data", "lama", "relations.jsonl"))
            .Where(l => relations.Any(r => l.Contains($"\"{r}\"", StringComparison.Ordinal))));

        var model = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
        var tokenizer = AutoTokenizer.FromFolder(Path.Combine(shared, "data", "tokenizers", "bert-base-uncased"));
        var data = SearchDataset.Create("bert-base (random weights)", model, tokenizer, new SearchDataOptions { LamaDir = lama });
        var space = CompressionSpace.Build(model, new CompressionSpaceOptions { Pruners = ["magnitude"], Quantizers = ["rtn"] });
        var judge = new PlanJudge(new SearchObjective { SizeBudget = SizeBudget.Parse("4.5bits", "budget") }, CompressionTrialRunner.DenseSearchedBytes(space), long.MaxValue);
        var runner = new CompressionTrialRunner(data, space, judge, FidelitySchedule.Default, [], 1);
        var plan = space.Plan(space.Uniform(new LayerSetting(0, "magnitude", 4, "rtn", 128)));

        var sw = Stopwatch.StartNew();
        var compressed = runner.Compress(plan);
        double compressSeconds = sw.Elapsed.TotalSeconds;
        var scorer = new ModelScorer(data);
        Console.WriteLine($"| part (BERT-base shape, {space.Units.Count} layers, T-REx {string.Join(",", relations.Order())}) | facts | seconds |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| compress: 4-bit RTN on every layer | | {compressSeconds:0.0} |");
        foreach (double f in FidelitySchedule.Default.Fractions)
        {
            sw.Restart();
            var s = scorer.Score(compressed, SplitPart.Search, f, bias: false);
            Console.WriteLine($"| score the search split at share {f:0.###} | {s.NFacts} | {sw.Elapsed.TotalSeconds:0.0} |");
        }

        Console.WriteLine();
        Console.WriteLine("| store | claim ms/trial | complete ms/trial |");
        Console.WriteLine("|---|---|---|");
        string db = Path.Combine(Path.GetTempPath(), $"mlnet-store-overhead-{Environment.ProcessId}.db");
        using (var sqlite = StudyStores.Open("sqlite:" + db, "sqlite"))
        {
            var (claim, complete) = StoreOverhead.Measure(sqlite, 200);
            Console.WriteLine($"| SQLite (one file, WAL) | {claim:0.00} | {complete:0.00} |");
        }
        File.Delete(db);
        if ((Value(args, "--postgres") ?? Environment.GetEnvironmentVariable("MLNET_TEST_POSTGRES")) is { } url)
        {
            using var pg = StudyStores.Open(url, "postgres");
            var (claim, complete) = StoreOverhead.Measure(pg, 200);
            Console.WriteLine($"| PostgreSQL 15 (TCP, localhost) | {claim:0.00} | {complete:0.00} |");
        }
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
