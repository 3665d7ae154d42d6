using System.Text.Json;

namespace MLNet.Compression.Recipes;

/// <summary>
/// A chain of compression stages in a JSON file (docs/FORMATS.md, "Recipes"): the model, a seed, calibration text, and
/// stages run in order, each on the model the previous one produced. Relative paths are relative to the recipe file.
/// Unknown fields are errors, so a misspelt option never silently falls back to its default.
/// </summary>
public sealed record Recipe
{
    /// <summary>The model folder; the command line's --model overrides it.</summary>
    public string? Model { get; init; }
    /// <summary>Seed for random choices (default 1, so a recipe reruns identically).</summary>
    public int Seed { get; init; } = 1;
    public RecipeCalibration? Calibration { get; init; }
    public required IReadOnlyList<RecipeStage> Stages { get; init; }

    /// <summary>A one-stage recipe built from `prune` or `quantize` options: messages name the options, not JSON fields.</summary>
    public bool FromCommandLine { get; init; }

    /// <summary>How messages name stage <paramref name="i"/>.</summary>
    public string StageLabel(string where, int i) => FromCommandLine ? where : $"{where}: stages[{i}]";

    /// <summary>Every stage validated (<see cref="RecipeStage.Validate"/>), with its method; methods that need calibration text need the recipe's.</summary>
    public IReadOnlyList<RecipeMethod> Validate(string where)
    {
        var methods = ValidateStages(where);
        if (Calibration is null && methods.FirstOrDefault(m => m.NeedsCalibration) is { } needs)
            throw new ArgumentException($"{where}: {needs.Stage} method \"{needs.Name}\" needs calibration text; " +
                (FromCommandLine ? "give --calibration samples.txt" : "add \"calibration\": \"samples.txt\"") + " (one sample per line).");
        return methods;
    }

    /// <summary>
    /// The stages validated on their own and in order (a recover stage needs a stage before it), without asking for
    /// calibration text: a study grid's points take the study's.
    /// </summary>
    public IReadOnlyList<RecipeMethod> ValidateStages(string where)
    {
        if (Stages.Count == 0) throw new ArgumentException($"{where}: 'stages' is empty; a recipe needs at least one stage.");
        var methods = Stages.Select((s, i) => s.Validate(StageLabel(where, i), FromCommandLine)).ToList();
        if (Stages[0] is { Stage: RecipeMethods.Distill, Method: "recover" })
            throw new ArgumentException($"{StageLabel(where, 0)}: a recover stage trains what the stages before it compressed against the recipe's model; put it after a prune or quantize stage.");
        return methods;
    }

    public static Recipe Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such recipe file.");
        string text = File.ReadAllText(path);
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses recipe JSON; <paramref name="baseDir"/> resolves relative paths.</summary>
    public static Recipe Parse(string json, string path, string baseDir)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})."); }
        using (doc)
        {
            var j = new JsonFields(path);
            var root = doc.RootElement;
            j.Only(root, "", "model", "seed", "calibration", "stages");
            string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p));
            RecipeCalibration? calibration = null;
            if (j.Get(root, "calibration") is { } c)
            {
                if (c.ValueKind == JsonValueKind.String) calibration = new RecipeCalibration(Resolve(c.GetString()!));
                else
                {
                    j.Only(c, "calibration", "file", "samples", "max_length", "batch_size");
                    calibration = new RecipeCalibration(Resolve(j.String(c, "calibration", "file")!),
                        j.Int(c, "calibration", "samples", 1) ?? 128, j.Int(c, "calibration", "max_length", 1) ?? 128, j.Int(c, "calibration", "batch_size", 1) ?? 8);
                }
            }
            var stagesEl = j.Get(root, "stages") ?? throw new InvalidDataException($"{path}: 'stages' is missing (expected a list of prune, quantize and distill stages).");
            if (stagesEl.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: 'stages' must be a list.");
            var stages = new List<RecipeStage>();
            int i = 0;
            foreach (var s in stagesEl.EnumerateArray())
            {
                string at = $"stages[{i++}]";
                j.Only(s, at, ["stage", "method", "groups", "scope", "sparsity", "nm", "bits", "group_size", "symmetric", "plan", "parameters", "text", "student_layers", .. RecipeStage.TrainingParameters]);
                IReadOnlyDictionary<string, double>? plan = null;
                string? planSource = null;
                if (j.Get(s, "plan") is { } p)
                {
                    if (p.ValueKind == JsonValueKind.String) { planSource = Resolve(p.GetString()!); plan = RecipePlan.Load(planSource); }
                    else { planSource = $"{path}: {at}.plan"; plan = RecipePlan.Parse(p, planSource); }
                }
                var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
                if (j.Get(s, "parameters") is { } ps)
                {
                    if (ps.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: {at}.parameters must be an object.");
                    foreach (var kv in ps.EnumerateObject())
                        parameters[kv.Name] = kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString()! : kv.Value.GetRawText();
                }
                // A distill stage's settings are fields of the stage, as a prune stage's sparsity is; a student's layers may be
                // written as a list [0, 2] or as the CLI's "0,2".
                if (j.Get(s, "student_layers") is { } sl)
                    parameters["student_layers"] = sl.ValueKind == JsonValueKind.Array
                        ? string.Join(",", sl.EnumerateArray().Select(e => e.GetRawText()))
                        : sl.ValueKind == JsonValueKind.String ? sl.GetString()! : sl.GetRawText();
                foreach (var field in RecipeStage.TrainingParameters)
                    if (j.Get(s, field) is { } v) parameters[field] = v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText();
                stages.Add(new RecipeStage
                {
                    Stage = j.String(s, at, "stage") ?? throw new InvalidDataException($"{path}: {at}.stage is missing (expected \"prune\", \"quantize\" or \"distill\")."),
                    Method = j.String(s, at, "method") ?? throw new InvalidDataException($"{path}: {at}.method is missing."),
                    Groups = j.String(s, at, "groups") ?? "all",
                    Scope = j.String(s, at, "scope"),
                    Sparsity = j.Double(s, at, "sparsity"),
                    NM = j.String(s, at, "nm"),
                    Bits = j.Int(s, at, "bits", int.MinValue),
                    GroupSize = j.Int(s, at, "group_size", int.MinValue),
                    Symmetric = j.Bool(s, at, "symmetric"),
                    Plan = plan,
                    PlanSource = planSource,
                    Text = j.String(s, at, "text") is { } text ? Resolve(text) : null,
                    Parameters = parameters,
                });
            }
            return new Recipe
            {
                Model = j.String(root, "", "model") is { } m ? Resolve(m) : null,
                Seed = j.Int(root, "", "seed", int.MinValue) ?? 1,
                Calibration = calibration,
                Stages = stages,
            };
        }
    }

    /// <summary>Typed access to recipe fields with messages naming the file and the JSON path.</summary>
    private sealed class JsonFields(string path)
    {
        public JsonElement? Get(JsonElement o, string field)
            => o.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        public void Only(JsonElement o, string at, params string[] fields)
        {
            if (o.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: {(at.Length == 0 ? "the recipe" : at)} must be a JSON object.");
            foreach (var p in o.EnumerateObject())
                if (!fields.Contains(p.Name))
                    throw new InvalidDataException($"{path}: {(at.Length == 0 ? "" : at + ".")}{p.Name}: unknown field (expected one of: {string.Join(", ", fields)}).");
        }

        private InvalidDataException Wrong(string at, string field, string expected, JsonElement v)
            => new($"{path}: {(at.Length == 0 ? "" : at + ".")}{field}: expected {expected}, found {v.GetRawText()}.");

        public string? String(JsonElement o, string at, string field)
            => Get(o, field) is { } v ? (v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(at, field, "a string", v)) : null;

        public double? Double(JsonElement o, string at, string field)
            => Get(o, field) is { } v ? (v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Wrong(at, field, "a number", v)) : null;

        public int? Int(JsonElement o, string at, string field, int min)
            => Get(o, field) is { } v ? (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int x) && x >= min ? x
                : throw Wrong(at, field, min == int.MinValue ? "an integer" : $"an integer ≥ {min}", v)) : null;

        public bool? Bool(JsonElement o, string at, string field)
            => Get(o, field) is { } v ? (v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Wrong(at, field, "true or false", v)) : null;
    }
}
