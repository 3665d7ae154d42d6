using System.Text.Json;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.IO;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>
/// The JSON a bias run writes, with the snake_case field names scripts rely on (issue 4):
/// <c>{"crows": {"metric_score", "stereo_score", "antistereo_score", "neutral", "n_pairs", "by_bias_type": {…}, "pairs": [{"index", "sent_more_score", "sent_less_score", …}]},
/// "stereoset": {"intrasentence": {"overall": {"ss", "lms", "icat"}, "gender": {…}, …}, …}, "seat": [{"test", "effect_size", "p_value"}]}</c>.
/// Indices are 0-based rows of the input file. Written atomically.
/// </summary>
public static class BiasReport
{
    public static void Write(string path, string model, CrowsPairsResult? crows, StereoSetResult? stereoset, IReadOnlyList<SeatResult>? seat)
        => AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("model", model);
            if (crows is not null || stereoset is not null) IntervalJson.WriteBootstrap(w, Bootstrap.Options.Default);
            if (crows is not null) WriteCrows(w, crows);
            if (stereoset is not null) WriteStereoSet(w, stereoset);
            if (seat is not null)
            {
                w.WriteStartArray("seat");
                foreach (var r in seat)
                {
                    w.WriteStartObject();
                    w.WriteString("test", r.Test);
                    w.WriteNumber("effect_size", r.EffectSize);
                    w.WriteNumber("p_value", r.PValue);
                    w.WriteBoolean("exact_p_value", r.ExactPValue);
                    w.WriteNumber("n_targ1", r.NX); w.WriteNumber("n_targ2", r.NY); w.WriteNumber("n_attr1", r.NA); w.WriteNumber("n_attr2", r.NB);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        });


    private static void Summary(Utf8JsonWriter w, CrowsSummary s)
    {
        w.WriteNumberOrNull("metric_score", s.MetricScore);
        w.WriteNumberOrNull("stereo_score", s.StereoScore);
        w.WriteNumberOrNull("antistereo_score", s.AntiStereoScore);
        w.WriteNumber("neutral", s.Neutral);
        w.WriteNumberOrNull("neutral_percent", s.NeutralPercent);
        w.WriteNumber("n_pairs", s.NPairs);
        w.WriteNumber("n_stereo", s.TotalStereo);
        w.WriteNumber("n_antistereo", s.TotalAntiStereo);
    }

    private static void WriteCrows(Utf8JsonWriter w, CrowsPairsResult r)
    {
        w.WriteStartObject("crows");
        w.WriteString("variant", r.Variant switch { CrowsPairsVariant.Original => "original", CrowsPairsVariant.MaskedDiff => "bias-bench", _ => "autoregressive" });
        Summary(w, r.Overall);
        IntervalJson.Write(w, "metric_score_ci", CrowsIntervals.Metric(r.Pairs));
        w.WriteNumber("n_skipped_lines", r.SkippedLines.Count);
        w.WriteStartArray("skipped_lines");
        foreach (var s in r.SkippedLines) { w.WriteStartObject(); w.WriteNumber("line", s.Line); w.WriteString("problem", s.Problem); w.WriteEndObject(); }
        w.WriteEndArray();
        w.WriteStartArray("skipped_pairs");
        foreach (int i in r.SkippedPairs) w.WriteNumberValue(i);
        w.WriteEndArray();
        w.WriteStartObject("by_bias_type");
        foreach (var (type, s) in r.ByBiasType) { w.WriteStartObject(type); Summary(w, s); w.WriteEndObject(); }
        w.WriteEndObject();
        w.WriteStartArray("pairs");
        foreach (var p in r.Pairs)
        {
            w.WriteStartObject();
            w.WriteNumber("index", p.Index);
            w.WriteNumber("sent_more_score", p.SentMoreScore);
            w.WriteNumber("sent_less_score", p.SentLessScore);
            w.WriteNumber("sent_more_score_unrounded", p.SentMoreUnrounded);
            w.WriteNumber("sent_less_score_unrounded", p.SentLessUnrounded);
            w.WriteNumber("score", p.Score);
            w.WriteBoolean("neutral", p.Neutral);
            w.WriteString("bias_type", p.BiasType);
            w.WriteString("direction", p.Direction);
            w.WriteNumber("n_scored_tokens_more", p.MaskedMore);
            w.WriteNumber("n_scored_tokens_less", p.MaskedLess);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Scores(Utf8JsonWriter w, string name, StereoSetScores s, StereoSetIntervalScores? ci = null)
    {
        w.WriteStartObject(name);
        w.WriteNumberOrNull("ss", s.Ss);
        w.WriteNumberOrNull("lms", s.Lms);
        w.WriteNumberOrNull("icat", s.Icat);
        if (ci is not null)
        {
            IntervalJson.Write(w, "ss_ci", ci.Ss);
            IntervalJson.Write(w, "lms_ci", ci.Lms);
            IntervalJson.Write(w, "icat_ci", ci.Icat);
        }
        w.WriteNumber("count", s.Count);
        w.WriteEndObject();
    }

    private static void Split(Utf8JsonWriter w, string name, StereoSetSplitResult? split, string? note)
    {
        if (split is null)
        {
            if (note is not null) { w.WriteStartObject(name); w.WriteString("note", note); w.WriteEndObject(); }
            return;
        }
        w.WriteStartObject(name);
        Scores(w, "overall", split.Overall, StereoSetIntervals.Of(split.Examples));
        foreach (var (domain, s) in split.ByDomain) Scores(w, domain, s);
        w.WriteStartArray("examples");
        foreach (var e in split.Examples)
        {
            w.WriteStartObject();
            w.WriteNumber("index", e.Index);
            w.WriteString("id", e.Id);
            w.WriteString("target", e.Target);
            w.WriteString("bias_type", e.BiasType);
            w.WriteNumber("stereotype", e.Stereotype);
            w.WriteNumber("anti_stereotype", e.AntiStereotype);
            w.WriteNumber("unrelated", e.Unrelated);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteStereoSet(Utf8JsonWriter w, StereoSetResult r)
    {
        w.WriteStartObject("stereoset");
        Split(w, "intrasentence", r.Intrasentence, null);
        Split(w, "intersentence", r.Intersentence, r.IntersentenceNote);
        if (r.Overall is not null) Scores(w, "overall", r.Overall);
        w.WriteNumber("n_skipped_lines", r.SkippedLines.Count);
        w.WriteEndObject();
    }
}
