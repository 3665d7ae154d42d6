using System.Text;
using System.Text.Json;

namespace MLNet.Compression.Evaluation.Bias;

/// <summary>A candidate sentence with its gold label: "stereotype", "anti-stereotype" or "unrelated".</summary>
public sealed record StereoSetSentence(string Id, string Text, string GoldLabel);

/// <summary>One StereoSet example: a context (with BLANK for intrasentence) and its three candidates.</summary>
public sealed record StereoSetExample(string Id, string Target, string BiasType, string Context, IReadOnlyList<StereoSetSentence> Sentences)
{
    public StereoSetSentence ByLabel(string label) => Sentences.First(s => s.GoldLabel == label);
}

/// <summary>
/// StereoSet (Nadeem et al. 2021) examples, from the original JSON (<c>{"version", "data": {"intrasentence": [...],
/// "intersentence": [...]}}</c>) or from the CSV form (prompt, choices as a NumPy array repr in the order stereotype,
/// anti-stereotype, unrelated, bias_type, target; intrasentence sentences are the prompt with BLANK replaced).
/// </summary>
public sealed class StereoSetData
{
    public static readonly string[] Labels = ["stereotype", "anti-stereotype", "unrelated"];

    public StereoSetData(string path, IReadOnlyList<StereoSetExample> intrasentence, IReadOnlyList<StereoSetExample> intersentence, IReadOnlyList<SkippedLine>? skipped = null)
    {
        Path = path;
        Intrasentence = intrasentence;
        Intersentence = intersentence;
        SkippedLines = skipped ?? [];
    }

    public string Path { get; }
    public IReadOnlyList<StereoSetExample> Intrasentence { get; }
    public IReadOnlyList<StereoSetExample> Intersentence { get; }
    public IReadOnlyList<SkippedLine> SkippedLines { get; }

    /// <summary>A .json file, a .csv file (intersentence when its name says so, else intrasentence), or a folder holding both CSVs.</summary>
    public static StereoSetData Load(string path, bool skipBadLines = false)
    {
        if (Directory.Exists(path))
        {
            var csvs = Directory.GetFiles(path, "*.csv").OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (csvs.Count == 0) throw new EvaluationDataException(path, null, "no StereoSet .csv files in this folder (expected intrasentence_*.csv and/or intersentence_*.csv).");
            var parts = csvs.Select(f => LoadCsv(f, skipBadLines)).ToList();
            return new StereoSetData(path, parts.SelectMany(p => p.Intrasentence).ToList(), parts.SelectMany(p => p.Intersentence).ToList(), parts.SelectMany(p => p.SkippedLines).ToList());
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        return path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? LoadCsv(path, skipBadLines) : LoadJson(path);
    }

    /// <summary>The original JSON shape (dev.json, or the fixture stereoset_dev_from_csv.json).</summary>
    public static StereoSetData LoadJson(string path)
    {
        string text = File.ReadAllText(path, Encoding.UTF8);
        if (string.IsNullOrWhiteSpace(text)) throw new EvaluationDataException(path, null, "the file is empty (expected StereoSet JSON with \"data\").");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new EvaluationDataException(path, (int?)(e.LineNumber + 1), "malformed JSON: " + e.Message); }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
                throw new EvaluationDataException(path, null, "missing object \"data\" (expected {\"data\": {\"intrasentence\": [...], \"intersentence\": [...]}}).");
            return new StereoSetData(path, ReadJsonSplit(path, data, "intrasentence"), ReadJsonSplit(path, data, "intersentence"));
        }
    }

    private static List<StereoSetExample> ReadJsonSplit(string path, JsonElement data, string split)
    {
        var list = new List<StereoSetExample>();
        if (!data.TryGetProperty(split, out var arr)) return list;
        int i = 0;
        foreach (var e in arr.EnumerateArray())
        {
            string where = $"data.{split}[{i++}]";
            string Str(JsonElement el, string name, string at) => el.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                : throw new EvaluationDataException(path, null, $"{at}: missing string field \"{name}\".");
            if (!e.TryGetProperty("sentences", out var sents) || sents.ValueKind != JsonValueKind.Array)
                throw new EvaluationDataException(path, null, $"{where}: missing array \"sentences\".");
            var sentences = sents.EnumerateArray().Select((s, k) => new StereoSetSentence(Str(s, "id", $"{where}.sentences[{k}]"), Str(s, "sentence", $"{where}.sentences[{k}]"), Str(s, "gold_label", $"{where}.sentences[{k}]"))).ToList();
            var ex = new StereoSetExample(Str(e, "id", where), Str(e, "target", where), Str(e, "bias_type", where), Str(e, "context", where), sentences);
            CheckLabels(path, null, where, ex);
            list.Add(ex);
        }
        return list;
    }

    /// <summary>The CSV form in ../shared/data/stereoset: prompt, choices, bias_type, target.</summary>
    public static StereoSetData LoadCsv(string path, bool skipBadLines = false)
    {
        var table = CsvTable.Read(path);
        int prompt = table.Column("prompt"), choices = table.Column("choices"), type = table.Column("bias_type"), target = table.Column("target");
        bool inter = System.IO.Path.GetFileName(path).Contains("intersentence", StringComparison.OrdinalIgnoreCase);
        string split = inter ? "intersentence" : "intrasentence";
        var list = new List<StereoSetExample>();
        var skipped = new List<SkippedLine>();
        for (int row = 0; row < table.Records.Count; row++)
        {
            var rec = table.Records[row];
            try
            {
                if (rec.Fields.Length != table.Header.Length) throw new FormatException($"{rec.Fields.Length} fields, expected {table.Header.Length} as in the header.");
                var c = ParseNumpyStrings(rec.Fields[choices]);
                if (c.Count != 3) throw new FormatException($"choices has {c.Count} strings, expected 3 (stereotype, anti-stereotype, unrelated).");
                string context = rec.Fields[prompt];
                if (!inter && !context.Contains("BLANK", StringComparison.Ordinal)) throw new FormatException("prompt has no BLANK (expected an intrasentence template).");
                var sentences = c.Select((ch, k) => new StereoSetSentence($"{split}-{row}-{Labels[k]}", inter ? ch : context.Replace("BLANK", ch, StringComparison.Ordinal), Labels[k])).ToList();
                if (string.IsNullOrWhiteSpace(rec.Fields[target]) || string.IsNullOrWhiteSpace(rec.Fields[type])) throw new FormatException("target and bias_type must not be empty.");
                list.Add(new StereoSetExample($"{split}-{row}", rec.Fields[target], rec.Fields[type], context, sentences));
            }
            catch (FormatException e)
            {
                if (!skipBadLines) throw new EvaluationDataException(path, rec.Line, e.Message + " Pass --skip-bad-lines to skip such lines.");
                skipped.Add(new SkippedLine(rec.Line, e.Message));
            }
        }
        if (list.Count == 0) throw new EvaluationDataException(path, null, "no usable examples (expected rows with prompt, choices, bias_type, target).");
        return inter ? new StereoSetData(path, [], list, skipped) : new StereoSetData(path, list, [], skipped);
    }

    private static void CheckLabels(string path, int? line, string where, StereoSetExample ex)
    {
        foreach (var label in Labels)
            if (ex.Sentences.Count(s => s.GoldLabel == label) != 1)
                throw new EvaluationDataException(path, line, $"{where}: expected exactly one \"{label}\" sentence.");
    }

    /// <summary>Parses a NumPy array repr of strings, <c>['a' "b's" 'c']</c> (Python string literals separated by whitespace).</summary>
    public static List<string> ParseNumpyStrings(string text)
    {
        string s = text.Trim();
        if (s.Length < 2 || s[0] != '[' || s[^1] != ']') throw new FormatException($"choices \"{text}\" is not a bracketed list of strings.");
        var result = new List<string>();
        int i = 1;
        while (true)
        {
            while (i < s.Length - 1 && (char.IsWhiteSpace(s[i]) || s[i] == ',')) i++;
            if (i >= s.Length - 1) break;
            char q = s[i];
            if (q != '\'' && q != '"') throw new FormatException($"choices: expected a quoted string at character {i}.");
            var sb = new StringBuilder();
            for (i++; ; i++)
            {
                if (i >= s.Length - 1) throw new FormatException("choices: a string is never closed.");
                char c = s[i];
                if (c == '\\' && i + 1 < s.Length - 1)
                {
                    char n = s[++i];
                    sb.Append(n switch { 'n' => '\n', 't' => '\t', 'r' => '\r', _ => n });
                }
                else if (c == q) { i++; break; }
                else sb.Append(c);
            }
            result.Add(sb.ToString());
        }
        return result;
    }
}
