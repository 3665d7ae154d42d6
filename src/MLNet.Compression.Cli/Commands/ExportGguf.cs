using MLNet.Compression.Cli.Output;
using MLNet.Compression.Export.Gguf;
using MLNet.Compression.Modeling;
using MLNet.Compression.Persistence;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `export --format gguf -o FILE.gguf [--type auto|f32|f16|q8_0|q4_0|q4_1]`: one GGUF file llama.cpp runs (llama, gpt2,
/// gpt_neox models), with the tokenizer embedded. Prints the export log: each weight's source form, ggml type, how it was
/// converted and its max/RMS error against the model's own values, and the fallbacks taken.
/// </summary>
internal static class ExportGguf
{
    public static int Run(string modelPath, string output, string typeName)
    {
        GgmlType? type = null;
        if (!string.Equals(typeName, "auto", StringComparison.OrdinalIgnoreCase))
            type = GgmlTypes.Parse(typeName) ?? throw new UsageException($"--type {typeName}: unknown GGUF tensor type (auto, f32, f16, q8_0, q4_0, q4_1).");
        if (!output.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--output {output}: a GGUF export is one file; give it a name ending in .gguf.");
        // An existing file is replaced only when it is an earlier GGUF export of this tool (its marker key).
        OutputFile.CheckReplaceable(output, "GGUF export", IsEarlierExport);

        var model = ModelLoader.Load(modelPath);
        try { GgufExporter.Check(model); }
        catch (ArgumentException e) { throw new UsageException($"--model {modelPath}: {e.Message}", e); }
        string source = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        // A folder with tokenizer files must load (a broken one is a one-line error); one without any exports with no_vocab.
        Tokenizer? tokenizer = HuggingFaceExporter.TokenizerFileNames.Any(n => File.Exists(Path.Combine(source, n))) ? AutoTokenizer.FromFolder(source) : null;

        GgufExportResult result = null!;
        OutputFile.ReportWriteErrors(() => result = GgufExporter.Export(model, output, tokenizer, new GgufExportOptions { Type = type }));

        Console.WriteLine($"exported {model.ModelType} as GGUF ({result.Architecture}, --type {(type is { } t ? GgmlTypes.Name(t) : "auto")}, {result.FileBytes:N0} bytes) to {Path.GetFullPath(output)}");
        foreach (var note in result.Notes) Console.WriteLine($"  {note}");
        Console.WriteLine($"  {"tensor",-28} {"shape",-12} {"from",-32} {"type",-5} {"max err",9} {"rms err",9}  how");
        foreach (var r in result.Tensors.Where(r => r.Shape.Length == 2))
            Console.WriteLine($"  {r.Name,-28} {string.Join("x", r.Shape),-12} {r.Source,-32} {GgmlTypes.Name(r.Type),-5} {r.MaxError,9:E2} {r.RmsError,9:E2}  {r.How}");
        int plain = result.Tensors.Count(r => r.Shape.Length != 2);
        Console.WriteLine($"  + {plain} norm weights and biases in f32 (exact)");
        return 0;
    }

    private static bool IsEarlierExport(string path)
    {
        if (!GgufReader.HasMagic(path)) return false;
        try { return GgufReader.Open(path).Metadata.TryGetValue(GgufFormat.ExportMarkerKey, out var v) && v is string s && s == GgufExporter.Marker; }
        catch (InvalidDataException) { return false; }
    }
}
