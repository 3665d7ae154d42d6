using System.Text.Json;

namespace MLNet.Compression.Evaluation.Knowledge;

/// <summary>A LAMA relation template from relations.jsonl: <c>[X] was born in [Y] .</c></summary>
public sealed record LamaRelation(string Id, string Template, string? Label = null, string? Type = null);

/// <summary>
/// One line of a LAMA data file. The facts + templates form (../shared/data/lama/TREx) has only sub_label, obj_label and
/// uuid; the original files add <c>masked_sentences</c> (Google-RE, SQuAD, ConceptNet) or <c>evidences[].masked_sentence</c>
/// (T-REx), and Google-RE has rater <c>judgments</c>.
/// </summary>
public sealed record LamaFact(int Line, string? Uuid, string SubLabel, string ObjLabel, IReadOnlyList<string> MaskedSentences,
                              int JudgmentsYes = 0, int JudgmentsNo = 0, string? PredicateId = null);

/// <summary>A data file read line by line: the facts, and how many bad lines were skipped (only when asked to skip).</summary>
public sealed record LamaFile(string Path, int LineCount, IReadOnlyList<LamaFact> Facts, int BadLines);

/// <summary>Readers for the LAMA files. Every problem names the file and the 1-based line.</summary>
public static class LamaReader
{
    /// <summary>Reads relations.jsonl: one {"relation", "template", "label", "type"} object per line.</summary>
    public static IReadOnlyDictionary<string, LamaRelation> ReadRelations(string path)
    {
        var result = new Dictionary<string, LamaRelation>(StringComparer.Ordinal);
        foreach (var (line, obj) in JsonLines(path, skipBad: false, out _))
        {
            string id = Required(obj, "relation", path, line);
            string template = Required(obj, "template", path, line);
            if (!template.Contains("[X]", StringComparison.Ordinal) || !template.Contains("[Y]", StringComparison.Ordinal))
                throw new EvaluationDataException(path, line, $"template \"{template}\" must contain both [X] and [Y].");
            result[id] = new LamaRelation(id, template, Optional(obj, "label"), Optional(obj, "type"));
        }
        if (result.Count == 0) throw new EvaluationDataException(path, null, "no relations (expected one JSON object per line).");
        return result;
    }

    /// <summary>
    /// Reads a LAMA data file in any of its forms. A line that is not a JSON object, or lacks obj_label, is an error
    /// naming the line; with <paramref name="skipBadLines"/> it is skipped and counted instead.
    /// </summary>
    public static LamaFile ReadFacts(string path, bool skipBadLines = false)
    {
        var facts = new List<LamaFact>();
        int bad = 0;
        var parsed = JsonLines(path, skipBadLines, out var badJson);
        foreach (var (line, obj) in parsed)
        {
            try
            {
                facts.Add(Parse(obj, path, line));
            }
            catch (EvaluationDataException) when (skipBadLines)
            {
                bad++;
            }
        }
        bad += badJson.Count;
        if (facts.Count == 0 && bad == 0) throw new EvaluationDataException(path, null, "the file holds no facts (expected one JSON object per line).");
        return new LamaFile(path, parsed.Count + badJson.Count, facts, bad);
    }

    private static LamaFact Parse(JsonElement obj, string path, int line)
    {
        string obj_ = Required(obj, "obj_label", path, line);
        // ConceptNet lines name the subject "sub"; SQuAD's sub_label is the constant "Squad".
        string sub = Optional(obj, "sub_label") ?? Optional(obj, "sub") ?? "";
        var sentences = new List<string>();
        if (obj.TryGetProperty("masked_sentences", out var ms))
        {
            if (ms.ValueKind != JsonValueKind.Array) throw new EvaluationDataException(path, line, "\"masked_sentences\" must be a list of strings.");
            foreach (var s in ms.EnumerateArray())
                sentences.Add(s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new EvaluationDataException(path, line, "\"masked_sentences\" must be a list of strings."));
        }
        else if (obj.TryGetProperty("evidences", out var ev) && ev.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in ev.EnumerateArray())
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("masked_sentence", out var s) && s.ValueKind == JsonValueKind.String)
                    sentences.Add(s.GetString()!);
        }
        int yes = 0, no = 0;
        if (obj.TryGetProperty("judgments", out var js) && js.ValueKind == JsonValueKind.Array)
            foreach (var j in js.EnumerateArray())
            {
                if (j.ValueKind == JsonValueKind.Object && j.TryGetProperty("judgment", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() == "yes") yes++;
                else no++;
            }
        string? uuid = Optional(obj, "uuid") ?? Optional(obj, "id");
        return new LamaFact(line - 1, uuid, sub, obj_, sentences, yes, no, Optional(obj, "predicate_id") ?? Optional(obj, "pred"));
    }

    private static string Required(JsonElement obj, string field, string path, int line)
    {
        if (!obj.TryGetProperty(field, out var v)) throw new EvaluationDataException(path, line, $"missing field \"{field}\".");
        if (v.ValueKind != JsonValueKind.String) throw new EvaluationDataException(path, line, $"field \"{field}\" must be a string, found {v.ValueKind}.");
        return v.GetString()!;
    }

    private static string? Optional(JsonElement obj, string field)
        => obj.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>(1-based line, object) for every non-blank line; malformed lines throw, or are collected when skipping.</summary>
    private static List<(int Line, JsonElement Obj)> JsonLines(string path, bool skipBad, out List<int> badLines)
    {
        if (!File.Exists(path)) throw new EvaluationDataException(path, null, "file not found.");
        var all = File.ReadAllLines(path);
        var result = new List<(int, JsonElement)>();
        badLines = new List<int>();
        for (int i = 0; i < all.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(all[i])) continue;
            JsonElement e;
            try
            {
                using var doc = JsonDocument.Parse(all[i]);
                e = doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                if (skipBad) { badLines.Add(i + 1); continue; }
                throw new EvaluationDataException(path, i + 1, $"not valid JSON ({ex.Message}).");
            }
            if (e.ValueKind != JsonValueKind.Object)
            {
                if (skipBad) { badLines.Add(i + 1); continue; }
                throw new EvaluationDataException(path, i + 1, $"expected a JSON object, found {e.ValueKind}.");
            }
            result.Add((i + 1, e));
        }
        if (result.Count == 0 && badLines.Count == 0) throw new EvaluationDataException(path, null, "the file is empty (expected one JSON object per line).");
        return result;
    }
}

/// <summary>One relation file to probe, with the template LAMA uses for it (null: probe its own masked sentences).</summary>
public sealed record LamaRelationSource(string Relation, string Path, string? Template);

/// <summary>A LAMA subset (T-REx, Google-RE, SQuAD, ConceptNet): its relations, macro-averaged together.</summary>
public sealed record LamaSubset(string Name, IReadOnlyList<LamaRelationSource> Relations)
{
    /// <summary>LAMA's Google-RE templates (facebookresearch/LAMA scripts/run_experiments.py, get_GoogleRE_parameters).</summary>
    public static IReadOnlyDictionary<string, string> GoogleReTemplates { get; } = new Dictionary<string, string>
    {
        ["place_of_birth"] = "[X] was born in [Y] .",
        ["date_of_birth"] = "[X] (born [Y]).",
        ["place_of_death"] = "[X] died in [Y] .",
    };

    /// <summary>
    /// The subsets found in a LAMA folder laid out as LAMA's data/ (and ../shared/data/lama): TREx/ (facts, templates from
    /// relations.jsonl), TREx_original/ (the original files, same templates), Google_RE/ (LAMA's templates), Squad/ and
    /// ConceptNet/ (their own masked sentences). <paramref name="relations"/> keeps only those relation ids; an id that
    /// no subset has is an error.
    /// </summary>
    public static IReadOnlyList<LamaSubset> FromFolder(string dir, IReadOnlyCollection<string>? relations = null)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: LAMA folder not found.");
        var subsets = new List<LamaSubset>();
        string relPath = Path.Combine(dir, "relations.jsonl");
        IReadOnlyDictionary<string, LamaRelation>? templates = File.Exists(relPath) ? LamaReader.ReadRelations(relPath) : null;
        bool Wanted(string id) => relations is null || relations.Count == 0 || relations.Contains(id);

        foreach (string sub in new[] { "TREx", "TREx_original" })
        {
            string folder = Path.Combine(dir, sub);
            if (!Directory.Exists(folder)) continue;
            var list = new List<LamaRelationSource>();
            foreach (string file in Directory.GetFiles(folder, "*.jsonl"))
            {
                string id = Path.GetFileNameWithoutExtension(file);
                if (!Wanted(id)) continue;
                if (templates is null) throw new EvaluationDataException(relPath, null, $"relations.jsonl is needed for the templates of {sub}.");
                if (!templates.TryGetValue(id, out var rel)) throw new EvaluationDataException(relPath, null, $"no template for relation {id} (used by {file}).");
                list.Add(new LamaRelationSource(id, file, rel.Template));
            }
            // Keep relations.jsonl's order (LAMA's run_experiments order).
            var order = templates?.Keys.Select((k, i) => (k, i)).ToDictionary(t => t.k, t => t.i) ?? new Dictionary<string, int>();
            if (list.Count > 0) subsets.Add(new LamaSubset(sub, list.OrderBy(r => order.GetValueOrDefault(r.Relation, int.MaxValue)).ToArray()));
        }
        string google = Path.Combine(dir, "Google_RE");
        if (Directory.Exists(google))
        {
            var list = new List<LamaRelationSource>();
            foreach (var (id, template) in GoogleReTemplates)
            {
                string file = Path.Combine(google, id + "_test.jsonl");
                if (File.Exists(file) && Wanted(id)) list.Add(new LamaRelationSource(id, file, template));
            }
            if (list.Count > 0) subsets.Add(new LamaSubset("Google_RE", list));
        }
        foreach (string sub in new[] { "Squad", "ConceptNet" })
        {
            string file = Path.Combine(dir, sub, "test.jsonl");
            if (File.Exists(file) && Wanted("test")) subsets.Add(new LamaSubset(sub, [new LamaRelationSource("test", file, null)]));
        }
        if (relations is { Count: > 0 })
        {
            var found = subsets.SelectMany(s => s.Relations).Select(r => r.Relation).ToHashSet();
            var unknown = relations.Where(r => !found.Contains(r)).ToArray();
            if (unknown.Length > 0)
            {
                var all = FromFolder(dir).SelectMany(s => s.Relations).Select(r => r.Relation).Distinct().Order();
                throw new EvaluationDataException(dir, null, $"unknown relation(s) {string.Join(", ", unknown)}; this folder has {string.Join(", ", all)}.");
            }
        }
        if (subsets.Count == 0) throw new EvaluationDataException(dir, null, "no LAMA data found (expected TREx/, TREx_original/, Google_RE/, Squad/ or ConceptNet/ subfolders).");
        return subsets;
    }
}
