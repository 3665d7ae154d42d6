using System.Diagnostics;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// The compressed model folder at BERT-base shape (random weights, FFN layers masked to 50% so the manifest has stages):
/// time to save it (SHA-256 of the 440 MB source included), to load it, and to load the plain Hugging Face folder it came
/// from, median of 3. Until the quantized and sparse forms are merged every weight is dense-f32, so this measures the
/// format's own overhead (manifest, placeholders, hashing) against a plain checkpoint.
/// </summary>
public static class CompressedFormatBench
{
    public static void Run(string[] args)
    {
        int runs = args.Length > 0 && int.TryParse(args[0], out int r) ? r : 3;
        string root = Path.Combine(Path.GetTempPath(), "format-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var model = ModelLoader.CreateRandom(ConfigJson.Parse(BertForwardBench.BertBaseConfig, "bert-base (benchmark)"), seed: 0);
            string hf = Path.Combine(root, "hf");
            HuggingFaceExporter.Save(model, hf);
            var source = ModelLoader.Load(hf);
            var clone = source.Clone();
            var changes = new List<LayerChange>();
            foreach (var l in Pipeline.ModuleGroup.Ffn.Select(clone))
            {
                var w = l.Weight.ToDense().Clone();
                for (int i = 0; i < w.Length; i += 2) w.Span[i] = 0;
                l.Weight = new DenseWeight(w);
                changes.Add(new LayerChange(l.Name, "prune", "bench-mask") { Sparsity = 0.5 });
            }
            var fitted = new ModelTransformer(clone, changes);
            string outDir = Path.Combine(root, "compressed");

            var save = Time(runs, () => fitted.Save(outDir));
            var load = Time(runs, () => ModelLoader.Load(outDir));
            var plain = Time(runs, () => ModelLoader.Load(hf));
            long bytes = Directory.GetFiles(outDir).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"bert-base compressed folder ({bytes / 1048576.0:F0} MiB on disk, {fitted.Model.ParameterCount():N0} parameters), median of {runs}:");
            Console.WriteLine($"  save (incl. SHA-256 of source): {Median(save):F2} s   [{string.Join(", ", save.Select(t => t.ToString("F2")))}]");
            Console.WriteLine($"  load compressed folder:         {Median(load):F2} s   [{string.Join(", ", load.Select(t => t.ToString("F2")))}]");
            Console.WriteLine($"  load plain HF folder:           {Median(plain):F2} s   [{string.Join(", ", plain.Select(t => t.ToString("F2")))}]");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static List<double> Time(int runs, Action action)
    {
        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            GC.Collect();
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return times;
    }

    private static double Median(List<double> t) => t.Order().ElementAt(t.Count / 2);
}
