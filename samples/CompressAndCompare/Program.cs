// Compress a model the ML.NET way and compare what it costs in knowledge.
// Usage: dotnet run --project samples/CompressAndCompare -- MODEL_DIR LAMA_DIR [OUT_DIR]
// e.g.   dotnet run --project samples/CompressAndCompare -- mlnet-demo/models/masked-lm mlnet-demo/world/lama
using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tokenization;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CompressAndCompare MODEL_DIR LAMA_DIR [OUT_DIR]");
    return 2;
}
string modelDir = args[0], lamaDir = args[1], outDir = args.Length > 2 ? args[2] : "compressed-model";

var model = ModelLoader.Load(modelDir);                      // config.json model_type picks the family
var tokenizer = AutoTokenizer.FromFolder(modelDir);
var subsets = LamaSubset.FromFolder(lamaDir);

// Prune half of the FFN weights (one global threshold), then quantize every linear layer to int8, as seed study 1 did.
var ctx = new CompressionContext(seed: 1);
var pipeline = ctx.Pruning.Magnitude(sparsity: 0.5, groups: ModuleGroup.Ffn)
                  .Append(ctx.Quantization.DynamicInt8());
var compressed = pipeline.Fit(model);                        // the input model is left untouched

double PAt1(LanguageModel m) => new LamaProbe(m, tokenizer).Run(subsets).Average(s => s.MicroPAt1);
Console.WriteLine($"dense:      P@1 {PAt1(model):F3}, {model.StorageBytes() / 1048576.0:F2} MiB");
Console.WriteLine($"compressed: P@1 {PAt1(compressed.Model):F3}, {compressed.Model.StorageBytes() / 1048576.0:F2} MiB");
foreach (var change in compressed.Changes.Take(6))
    Console.WriteLine($"  {change.Layer}: {change.Stage} {change.Method} sparsity {change.Sparsity:0.00} bits {change.Bits}");

compressed.Save(outDir);                                     // manifest.json + model.safetensors with packed weights
var reloaded = ModelLoader.Load(outDir);                     // every CLI command reads this folder too
Console.WriteLine($"saved to {outDir}; reloaded P@1 {PAt1(reloaded):F3}");
return 0;
