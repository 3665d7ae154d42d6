using MLNet.Compression.Export.Gguf;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;
using Xunit.Abstractions;

namespace MLNet.Compression.Tests.Export.Gguf;

public class GgufLlamaCppTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    [InlineData("gpt_neox")]
    public void Smoke(string fixture)
    {
        var model = ModelLoader.Load(SharedData.Fixture("models", fixture));
        string path = Path.Combine(Path.GetTempPath(), $"smoke-{fixture}.gguf");
        var r = GgufExporter.Export(model, path);
        foreach (var n in r.Notes) output.WriteLine(n);
        using var cpp = new LlamaCpp(path);
        int[] tokens = [1, 5, 9, 33, 7, 100, 42, 3];
        var theirs = cpp.Logits(tokens);
        var ours = model.Forward(new ModelInput(new TokenBatch(1, tokens.Length, tokens))).Logits;
        for (int i = 0; i < tokens.Length; i++)
        {
            double max = 0, mag = 0;
            for (int v = 0; v < model.VocabSize; v++) { max = Math.Max(max, Math.Abs(theirs[i][v] - ours.Span[i * model.VocabSize + v])); mag = Math.Max(mag, Math.Abs(ours.Span[i * model.VocabSize + v])); }
            output.WriteLine($"{fixture} pos {i}: max |diff| {max:E2} max |logit| {mag:F2}");
        }
    }
}
