using System.Text.Json;
using MLNet.Compression.Evaluation.Perplexity;

namespace MLNet.Compression.Cli.Output;

/// <summary>
/// The JSON file of <c>perplexity --out</c>: model, text, perplexity, token count, mean NLL, the mean of window
/// perplexities, with a base model the KL divergence and top-1 agreement, and every window.
/// </summary>
internal static class PerplexityJson
{
    /// <summary>Whether the JSON object at <paramref name="path"/> has the fields this writer always writes.</summary>
    public static bool IsEarlierOutput(string path) => EarlierOutput.IsJsonObjectWith(path, "perplexity", "n_tokens", "windows");

    /// <summary>Writes the result to <paramref name="stream"/> as one compact JSON object.</summary>
    public static void Write(Stream stream, string modelDir, string textPath, PerplexityResult ppl, string? baseDir, KlDivergenceResult? kl)
    {
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("model", modelDir);
        w.WriteString("text", textPath);
        w.WriteNumber("perplexity", ppl.Perplexity);
        w.WriteNumber("n_tokens", ppl.NTokens);
        w.WriteNumber("mean_nll", ppl.MeanNll);
        w.WriteNumber("perplexity_mean_of_windows", ppl.WindowMeanPerplexity);
        if (kl is not null)
        {
            w.WriteString("base", baseDir);
            w.WriteNumber("kl_divergence", kl.MeanKl);
            w.WriteNumber("kl_max", kl.MaxKl);
            w.WriteNumber("top1_agreement", kl.Top1Agreement);
        }
        w.WriteStartArray("windows");
        foreach (var win in ppl.Windows)
        {
            w.WriteStartObject();
            w.WriteNumber("begin", win.Begin);
            w.WriteNumber("end", win.End);
            w.WriteNumber("n_predicted", win.NPredicted);
            w.WriteNumber("sum_nll", win.SumNll);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
