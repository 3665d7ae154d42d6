using System.Text.Json;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.IO;

namespace MLNet.Compression.Evaluation.Knowledge;

/// <summary>
/// Writes LAMA results in the shape scripts rely on (snake_case): {"subsets": [{"name", "macro_p_at_1", "micro_p_at_1",
/// "relations": [{"relation", "n_facts", "n_skipped", "p_at_1", "p_at_10", "mrr", "facts": [{"uuid", "gold", "rank", "top1"}]}]}]},
/// plus fields for audit (line, gold_id, gold_log_prob, top1_id, mrr_untruncated, counts). Written atomically.
/// </summary>
public static class LamaJson
{
    /// <summary>Writes <paramref name="subsets"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IReadOnlyList<LamaSubsetResult> subsets, LamaProtocol protocol, string? model = null)
        => AtomicFile.Write(path, s =>
        {
            using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = false });
            WriteTo(w, subsets, protocol, model);
        });

    /// <summary>Writes the results object to a JSON writer.</summary>
    public static void WriteTo(Utf8JsonWriter w, IReadOnlyList<LamaSubsetResult> subsets, LamaProtocol protocol, string? model = null)
    {
        bool namburi = protocol == LamaProtocol.Namburi2023;
        w.WriteStartObject();
        if (model is not null) w.WriteString("model", model);
        w.WriteString("protocol", namburi ? "namburi2023" : "lama");
        IntervalJson.WriteBootstrap(w, Bootstrap.Options.Default);
        w.WriteStartArray("subsets");
        foreach (var s in subsets)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteNumber("n_facts", s.NFacts);
            w.WriteNumberOrNull("macro_p_at_1", s.MacroPAt1);
            w.WriteNumberOrNull("micro_p_at_1", s.MicroPAt1);
            IntervalJson.Write(w, "micro_p_at_1_ci", LamaIntervals.PAt1(s.Relations.SelectMany(r => r.Facts).ToList()));
            w.WriteNumberOrNull("macro_p_at_10", s.MacroPAtK);
            w.WriteNumberOrNull("micro_p_at_10", s.MicroPAtK);
            w.WriteNumberOrNull("macro_mrr", s.MacroMrr);
            if (namburi)
            {
                w.WriteNumberOrNull("micro_top1", s.MicroNamburiTop1);
                w.WriteNumberOrNull("micro_top5", s.MicroNamburiTop5);
            }
            w.WriteStartArray("relations");
            foreach (var r in s.Relations)
            {
                w.WriteStartObject();
                w.WriteString("relation", r.Relation);
                if (r.Template is not null) w.WriteString("template", r.Template);
                w.WriteNumber("n_lines", r.NLines);
                w.WriteNumber("n_facts", r.NFacts);
                w.WriteNumber("n_skipped", r.NSkipped);
                w.WriteNumber("n_multi_token", r.NMultiToken);
                w.WriteNumber("n_bad_lines", r.NBadLines);
                w.WriteNumberOrNull("p_at_1", r.PAt1);
                IntervalJson.Write(w, "p_at_1_ci", LamaIntervals.PAt1(r.Facts));
                w.WriteNumberOrNull("p_at_10", r.PAtK);
                w.WriteNumberOrNull("mrr", r.Mrr);
                w.WriteNumberOrNull("mrr_untruncated", r.MrrUntruncated);
                if (namburi)
                {
                    w.WriteNumberOrNull("top1", r.NamburiTop1);
                    w.WriteNumberOrNull("top5", r.NamburiTop5);
                }
                w.WriteStartArray("facts");
                foreach (var f in r.Facts)
                {
                    w.WriteStartObject();
                    if (f.Uuid is null) w.WriteNull("uuid"); else w.WriteString("uuid", f.Uuid);
                    w.WriteNumber("line", f.Line);
                    w.WriteString("gold", f.Gold);
                    w.WriteNumber("gold_id", f.GoldId);
                    w.WriteNumber("rank", f.Rank);
                    w.WriteString("top1", f.Top1);
                    w.WriteNumber("top1_id", f.Top1Id);
                    w.WriteNumberOrNull("gold_log_prob", f.GoldLogProb);
                    if (f.NSourceLines != 1) w.WriteNumber("n_source_lines", f.NSourceLines);
                    if (f.Top5 is { } t5)
                    {
                        w.WriteStartArray("top5");
                        foreach (var t in t5) w.WriteStringValue(t);
                        w.WriteEndArray();
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

}
