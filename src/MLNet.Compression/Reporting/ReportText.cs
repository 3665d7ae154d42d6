using System.Globalization;
using System.Net;
using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>How the report writes numbers, intervals, p-values and point names; every string from data goes through <see cref="Html"/>.</summary>
public static class ReportText
{
    /// <summary>Text made safe for HTML and SVG (element content and quoted attributes).</summary>
    public static string Html(string? s) => WebUtility.HtmlEncode(s ?? "");

    /// <summary>A number with fixed decimals, or an en dash when there is none.</summary>
    public static string Num(double? v, int digits) =>
        v is double d && double.IsFinite(d) ? d.ToString("F" + digits, CultureInfo.InvariantCulture) : "–";

    /// <summary>"0.031", "&lt;0.001" or "–".</summary>
    public static string PValue(double? p) => p switch
    {
        null => "–",
        < 0.001 => "<0.001",
        _ => p.Value.ToString(p.Value < 0.01 ? "F3" : "F2", CultureInfo.InvariantCulture),
    };

    /// <summary>Bytes as MiB with two decimals.</summary>
    public static string MiB(long bytes) => (bytes / 1048576.0).ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>The name a series of points of one method and group has in legends: "magnitude ffn", "int8 all", "dense".</summary>
    public static string SeriesName(string method, string group) => method switch
    {
        "dense" => "dense",
        "dynamic-int8" => $"int8 {group}",
        _ => group is "none" or "" ? method : $"{method} {group}",
    };

    /// <summary>A label short enough to sit beside a marker in a crowded scatter: "ffn 0.5", "int8 qkv", "m+int8 0.2".</summary>
    public static string ShortLabel(StudyPoint p)
    {
        string g = p.Group switch { "attention-qkv" => "qkv", "none" => "", _ => p.Group };
        string s = p.Sparsity.ToString("0.##", CultureInfo.InvariantCulture);
        return p.Method switch
        {
            "dense" => "dense",
            "magnitude" => $"{g} {s}",
            "dynamic-int8" => $"int8 {g}".Trim(),
            "fp16" => $"fp16 {g}".Trim(),
            "magnitude+int8" => $"m+int8 {g} {s}",
            "ln-structured" => $"ln {g} {s}",
            _ => p.Name,
        };
    }

    /// <summary>The first lines of a point's hover text: its name, then group, sparsity, bits and (in a series) its checkpoint.</summary>
    public static string PointHeader(StudyPoint p, StudyResult? checkpoint = null)
    {
        string where = checkpoint?.Checkpoint is null ? "" : $"\ncheckpoint {checkpoint.Checkpoint}{StepText(checkpoint)}";
        return $"{p.Name}\ngroup {p.Group} · sparsity {p.Sparsity.ToString("0.##", CultureInfo.InvariantCulture)} · {p.Bits} bits{where}";
    }

    /// <summary>" (step 300, 60% of training)" or "".</summary>
    public static string StepText(StudyResult s)
    {
        var parts = new List<string>();
        if (s.Step is long step) parts.Add($"step {step.ToString(CultureInfo.InvariantCulture)}");
        if (s.Progress is double pr) parts.Add($"{(pr * 100).ToString("0.#", CultureInfo.InvariantCulture)}% of training");
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }
}
