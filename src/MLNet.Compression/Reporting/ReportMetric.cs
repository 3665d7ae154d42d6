using MLNet.Compression.Study;

namespace MLNet.Compression.Reporting;

/// <summary>
/// One score the report charts and tabulates: where it comes from in a <see cref="StudyPoint"/>, its key in
/// <see cref="StudyPoint.Intervals"/>, how it is scaled for display, and the line that tells a reader how to read it.
/// </summary>
public sealed record ReportMetric(string Key, string Label, string AxisLabel, Func<StudyPoint, double?> Value, double Scale, int Digits, string HowToRead)
{
    /// <summary>A bias score: 50 means no preference, so charts draw a reference line there and always show 40 … 60.</summary>
    public bool Bias { get; init; }

    /// <summary>The y axis starts at zero, so a drop reads as the share of what was there (P@1).</summary>
    public bool FromZero { get; init; }

    public static ReportMetric PAt1 { get; } = new("p_at_1", "P@1", "LAMA P@1 (%)", p => p.PAt1, 100, 1,
        "LAMA P@1: % of facts whose object the model ranks first; higher = more knowledge kept. Bars are 95% bootstrap intervals.") { FromZero = true };

    public static ReportMetric PAt1Frequent { get; } = new("p_at_1_frequent", "P@1 frequent", "P@1 (%)", p => p.PAt1Frequent, 100, 1,
        "P@1 on facts stated often in training (solid, filled) and rarely (dotted, hollow): rare facts are usually lost first. Bars are 95% bootstrap intervals.") { FromZero = true };

    public static ReportMetric PAt1Rare { get; } = new("p_at_1_rare", "P@1 rare", "P@1 (%)", p => p.PAt1Rare, 100, 1, "") { FromZero = true };

    public static ReportMetric Crows { get; } = new("crows", "CrowS", "CrowS-Pairs score (%)", p => p.CrowsScore, 1, 1,
        "CrowS-Pairs: % of pairs where the model prefers the more stereotypical sentence; 50 = no preference, higher = more bias. Bars/bands are 95% bootstrap intervals.") { Bias = true };

    public static ReportMetric Ss { get; } = new("ss", "SS", "StereoSet SS (%)", p => p.StereoSetSs, 1, 1,
        "StereoSet SS: % of contexts where the model prefers the stereotype to the anti-stereotype; 50 = no preference between them, higher = more bias. Bars/bands are 95% bootstrap intervals.") { Bias = true };

    public static ReportMetric Lms { get; } = new("lms", "LMS", "StereoSet LMS (%)", p => p.StereoSetLms, 1, 1,
        "StereoSet LMS: % of contexts where the model prefers a meaningful continuation to a meaningless one; 100 is ideal. Bars/bands are 95% bootstrap intervals.");

    public static ReportMetric Icat { get; } = new("icat", "ICAT", "StereoSet ICAT", p => p.StereoSetIcat, 1, 1,
        "ICAT rewards a model that is both a good language model (LMS) and unbiased (SS near 50); 100 is ideal (ICAT = LMS × min(SS, 100 − SS) / 50). Bars/bands are 95% bootstrap intervals.");

    public static ReportMetric Perplexity { get; } = new("perplexity", "perplexity", "perplexity", p => p.Perplexity, 1, 2,
        "Perplexity of a causal LM on held-out text; lower = better language model. No interval is estimated for it.");

    public static ReportMetric EmbeddingCosine { get; } = new("embedding_cosine", "cosine to dense", "mean cosine to dense vectors", p => p.EmbeddingCosine, 1, 4,
        "Mean cosine between each text's sentence vector and the dense model's; 1 = the vectors are kept. Bars are 95% bootstrap intervals over texts.");

    public static ReportMetric EmbeddingSpearman { get; } = new("embedding_spearman", "similarity ρ", "Spearman ρ of pairwise similarities", p => p.EmbeddingSpearman, 1, 4,
        "Spearman rank correlation between the point's and the dense model's cosine similarities over every pair of texts; 1 = neighbours keep their order (what retrieval uses). Bars are 95% bootstrap intervals over texts.");

    /// <summary>The displayed value of this score at <paramref name="p"/>, or null when the point lacks it.</summary>
    public double? Of(StudyPoint p) => Value(p) is double v && double.IsFinite(v) ? v * Scale : null;

    /// <summary>The interval and paired test for this score at <paramref name="p"/>, or null.</summary>
    public StudyEstimate? Estimate(StudyPoint p) => p.Intervals.TryGetValue(Key, out var e) ? e : null;

    /// <summary>"62.3 [58.1, 66.0]" in display units; without an interval just the value.</summary>
    public string WithInterval(StudyPoint p) =>
        Of(p) is not double v ? "–"
        : Estimate(p) is { } e ? $"{ReportText.Num(v, Digits)} [{ReportText.Num(e.CiLow * Scale, Digits)}, {ReportText.Num(e.CiHigh * Scale, Digits)}]"
        : ReportText.Num(v, Digits);

    /// <summary>One hover line: "CrowS 62.3 [58.1, 66.0] · p vs dense 0.03 (sign test, 12 gained, 4 lost)".</summary>
    public string Describe(StudyPoint p)
    {
        string line = $"{Label} {WithInterval(p)}";
        if (Estimate(p) is { PVsBase: double pv } e)
        {
            string counts = e.Gained is int g && e.Lost is int l ? $", {g} gained, {l} lost" : "";
            line += $" · p vs dense {ReportText.PValue(pv)} ({e.Test ?? "paired test"}{counts})";
        }
        return line;
    }

    /// <summary>The chart point of this score at <paramref name="p"/> placed at <paramref name="x"/>, with its interval and hover text; null without a value.</summary>
    public ChartPoint? Point(double x, StudyPoint p, StudyResult? checkpoint = null)
    {
        if (Of(p) is not double v) return null;
        var e = Estimate(p);
        return new ChartPoint(x, v)
        {
            Low = e is null ? null : e.CiLow * Scale,
            High = e is null ? null : e.CiHigh * Scale,
            Hover = $"{ReportText.PointHeader(p, checkpoint)}\n{Describe(p)}",
        };
    }
}
