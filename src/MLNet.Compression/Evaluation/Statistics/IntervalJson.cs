using System.Text.Json;

namespace MLNet.Compression.Evaluation.Statistics;

/// <summary>How intervals appear in the JSON outputs: {"value", "ci_low", "ci_high"}, and the bootstrap that made them.</summary>
public static class IntervalJson
{
    public static void Write(Utf8JsonWriter w, string name, Interval interval)
    {
        w.WriteStartObject(name);
        Num(w, "value", interval.Estimate);
        Num(w, "ci_low", interval.Low);
        Num(w, "ci_high", interval.High);
        w.WriteEndObject();
    }

    /// <summary>{"resamples", "seed", "level", "method"}: enough to reproduce every interval of the file.</summary>
    public static void WriteBootstrap(Utf8JsonWriter w, Bootstrap.Options options)
    {
        w.WriteStartObject("bootstrap");
        w.WriteString("method", "percentile bootstrap over items");
        w.WriteNumber("resamples", options.Resamples);
        w.WriteNumber("seed", options.Seed);
        w.WriteNumber("level", options.Level);
        w.WriteEndObject();
    }

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v); else w.WriteNull(name);
    }
}
