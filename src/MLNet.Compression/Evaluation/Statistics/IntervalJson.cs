using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Evaluation.Statistics;

/// <summary>How intervals appear in the JSON outputs: {"value", "ci_low", "ci_high"}, and the bootstrap that made them.</summary>
public static class IntervalJson
{
    public static void Write(Utf8JsonWriter w, string name, Interval interval)
    {
        w.WriteStartObject(name);
        w.WriteNumberOrNull("value", interval.Estimate);
        w.WriteNumberOrNull("ci_low", interval.Low);
        w.WriteNumberOrNull("ci_high", interval.High);
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

}
