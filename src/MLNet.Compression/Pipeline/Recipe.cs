using System.Globalization;
using System.Text.Json;
using MLNet.Compression.Compression;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// One compression stage of a recipe or of a `prune`/`quantize` command line (docs/FORMATS.md, "Recipes").
/// Fields a method does not take must be left unset; <see cref="Validate"/> says which ones it takes.
/// </summary>
public sealed record RecipeStage
{
    /// <summary>"prune" or "quantize".</summary>
    public required string Stage { get; init; }
    /// <summary>A name from <see cref="RecipeMethods"/>.</summary>
    public required string Method { get; init; }
    /// <summary>attention, attention-qkv, ffn, all, head, or a regular expression over layer names. Default "all".</summary>
    public string Groups { get; init; } = "all";
    /// <summary>"global" (one threshold across the chosen layers, as torch's global_unstructured) or "local" (per layer). Default global.</summary>
    public string? Scope { get; init; }
    /// <summary>Fraction of weights to zero, in [0, 1]. Default 0.5 for methods that take it.</summary>
    public double? Sparsity { get; init; }
    /// <summary>N:M pattern such as "2:4": N non-zeros kept in every M consecutive inputs.</summary>
    public string? NM { get; init; }
    /// <summary>Bits per weight for rtn and gptq: 2, 3, 4 or 8. Default 4.</summary>
    public int? Bits { get; init; }
    /// <summary>Inputs sharing one scale for rtn and gptq; -1 means one group per output row. Default 128.</summary>
    public int? GroupSize { get; init; }
    /// <summary>Symmetric scales (no zero point) for rtn and gptq. Default false (asymmetric, the GPTQ reference's default).</summary>
    public bool? Symmetric { get; init; }
    /// <summary>Per-layer settings, layer name → sparsity (prune) or bits (quantize); overrides the stage's value for those layers.</summary>
    public IReadOnlyDictionary<string, double>? Plan { get; init; }
    /// <summary>Where <see cref="Plan"/> came from, for messages.</summary>
    public string? PlanSource { get; init; }
    /// <summary>Method-specific settings (block_size, damping, act_order, per_channel, norm, lambda, outlier_threshold) as invariant text.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Sparsity with its default.</summary>
    public double SparsityOrDefault => Sparsity ?? 0.5;
    /// <summary>Bits with its default.</summary>
    public int BitsOrDefault => Bits ?? 4;
    /// <summary>Group size with its default.</summary>
    public int GroupSizeOrDefault => GroupSize ?? 128;

    /// <summary>A true/false method parameter (act_order, per_channel), validated by <see cref="Validate"/>.</summary>
    public bool Flag(string key, bool defaultValue) => Parameters.TryGetValue(key, out var v) ? v == "true" : defaultValue;

    /// <summary>A numeric method parameter (damping, block_size, lambda, …), validated by <see cref="Validate"/>.</summary>
    public double Number(string key, double defaultValue)
        => Parameters.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : defaultValue;

    /// <summary>Fills the options every pruner shares (sparsity, groups, plan) from this stage.</summary>
    public T Pruning<T>(T options, ModuleGroup groups) where T : Compression.Pruning.PruningOptions
    {
        options.Sparsity = SparsityOrDefault;
        options.Groups = groups;
        options.Plan = Plan is null ? null : new Compression.Pruning.SparsityPlan(Plan);
        return options;
    }

    /// <summary>The stage's scope, or the method's own default when unset.</summary>
    public Compression.Pruning.PruningScope ScopeOr(Compression.Pruning.PruningScope defaultScope)
        => Scope switch { "global" => Compression.Pruning.PruningScope.Global, "local" => Compression.Pruning.PruningScope.Local, _ => defaultScope };

    /// <summary>The plan as per-layer bits, for quantize stages.</summary>
    public Compression.Quantization.BitPlan? BitPlan()
        => Plan is null ? null : new Compression.Quantization.BitPlan(Plan.ToDictionary(p => p.Key, p => (int)p.Value));

    /// <summary>(N, M) of <see cref="NM"/>, default 2:4.</summary>
    public (int N, int M) NMOrDefault => NM is null ? (2, 4) : ParseNM(NM, "nm");

    /// <summary>
    /// Checks everything that can be checked without the model: the method exists, the fields it does not take are unset,
    /// values are in range, the group parses. <paramref name="where"/> prefixes messages ("recipe.json: stages[1]").
    /// </summary>
    /// <param name="commandLine">name fields as command-line options (--group-size) rather than JSON fields (group_size)</param>
    public RecipeMethod Validate(string where, bool commandLine = false)
    {
        string F(string field) => commandLine ? $"{where}: --{field.Replace('_', '-')}" : $"{where}.{field}";
        if (Stage is not (RecipeMethods.Prune or RecipeMethods.Quantize))
            throw new ArgumentException($"{F("stage")}: \"{Stage}\" is not a stage (expected \"prune\" or \"quantize\").");
        var method = RecipeMethods.Find(Stage, Method, F("method"));
        var given = new List<string>();
        if (Scope is not null) given.Add("scope");
        if (Sparsity is not null) given.Add("sparsity");
        if (NM is not null) given.Add("nm");
        if (Bits is not null) given.Add("bits");
        if (GroupSize is not null) given.Add("group_size");
        if (Symmetric is not null) given.Add("symmetric");
        if (Plan is not null) given.Add("plan");
        given.AddRange(Parameters.Keys);
        foreach (var f in given)
            if (!method.Accepts.Contains(f))
                throw new ArgumentException($"{F(f)}: {Stage} method \"{method.Name}\" does not take '{f}' (it takes: {(method.Accepts.Count == 0 ? "nothing beyond groups" : string.Join(", ", method.Accepts))}).");
        if (Scope is not null and not ("global" or "local")) throw new ArgumentException($"{F("scope")}: \"{Scope}\" (expected global or local).");
        if (Sparsity is double s && !(s >= 0 && s <= 1)) throw new ArgumentException($"{F("sparsity")}: {s} is outside [0, 1].");
        if (NM is not null) ParseNM(NM, F("nm"));
        if (Bits is int b && b is not (2 or 3 or 4 or 8)) throw new ArgumentException($"{F("bits")}: {b} (expected 2, 3, 4 or 8).");
        if (GroupSize is int g && g != -1 && g <= 0) throw new ArgumentException($"{F("group_size")}: {g} (expected a positive size, or -1 for one group per row).");
        if (Plan is not null)
            foreach (var (layer, v) in Plan)
            {
                string at = $"{PlanSource ?? F("plan")}: '{layer}'";
                if (Stage == RecipeMethods.Prune && !(v >= 0 && v <= 1)) throw new ArgumentException($"{at}: sparsity {v} is outside [0, 1].");
                if (Stage == RecipeMethods.Quantize && v is not (2 or 3 or 4 or 8)) throw new ArgumentException($"{at}: {v} bits (expected 2, 3, 4 or 8).");
            }
        foreach (var (k, v) in Parameters) CheckParameter(k, v, F(k));
        try { ModuleGroup.Parse(Groups); }
        catch (ArgumentException e) { throw new ArgumentException($"{F("groups")}: {e.Message}"); }
        return method;
    }

    private static void CheckParameter(string key, string value, string where)
    {
        var inv = CultureInfo.InvariantCulture;
        bool ok = key switch
        {
            "block_size" => int.TryParse(value, inv, out int bs) && bs > 0,
            "norm" => int.TryParse(value, inv, out int n) && n >= 1,
            "damping" or "outlier_threshold" => double.TryParse(value, inv, out double d) && d > 0,
            "lambda" => double.TryParse(value, inv, out double l) && l >= 0 && l < 1,
            "act_order" or "per_channel" => value is "true" or "false",
            _ => true,
        };
        if (!ok)
        {
            string expected = key switch
            {
                "block_size" => "a positive integer",
                "norm" => "an integer ≥ 1 (the p of the Ln norm)",
                "lambda" => "a number in [0, 1)",
                "act_order" or "per_channel" => "true or false",
                _ => "a positive number",
            };
            throw new ArgumentException($"{where}: \"{value}\" (expected {expected}).");
        }
    }

    /// <summary>"2:4" → (2, 4); N and M positive with N &lt; M.</summary>
    public static (int N, int M) ParseNM(string text, string where)
    {
        var parts = text.Split(':');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int m) && n >= 1 && n < m)
            return (n, m);
        throw new ArgumentException($"{where}: \"{text}\" is not an N:M pattern such as 2:4 (N non-zeros in every M, 1 ≤ N < M).");
    }
}

/// <summary>Calibration text of a recipe: a plain text file, one sample per line (docs/FORMATS.md).</summary>
/// <param name="File">path of the text file</param>
/// <param name="Samples">lines used, from the top (default 128)</param>
/// <param name="MaxLength">tokens per sample after truncation (default 128)</param>
/// <param name="BatchSize">samples per forward pass (default 8)</param>
public sealed record RecipeCalibration(string File, int Samples = 128, int MaxLength = 128, int BatchSize = 8);

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

    /// <summary>Every stage validated (<see cref="RecipeStage.Validate"/>), with its method.</summary>
    public IReadOnlyList<RecipeMethod> Validate(string where)
    {
        if (Stages.Count == 0) throw new ArgumentException($"{where}: 'stages' is empty; a recipe needs at least one stage.");
        var methods = Stages.Select((s, i) => s.Validate(StageLabel(where, i), FromCommandLine)).ToList();
        if (Calibration is null && methods.FirstOrDefault(m => m.NeedsCalibration) is { } needs)
            throw new ArgumentException($"{where}: {needs.Stage} method \"{needs.Name}\" needs calibration text; " +
                (FromCommandLine ? "give --calibration samples.txt" : "add \"calibration\": \"samples.txt\"") + " (one sample per line).");
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
            var stagesEl = j.Get(root, "stages") ?? throw new InvalidDataException($"{path}: 'stages' is missing (expected a list of prune/quantize stages).");
            if (stagesEl.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: 'stages' must be a list.");
            var stages = new List<RecipeStage>();
            int i = 0;
            foreach (var s in stagesEl.EnumerateArray())
            {
                string at = $"stages[{i++}]";
                j.Only(s, at, "stage", "method", "groups", "scope", "sparsity", "nm", "bits", "group_size", "symmetric", "plan", "parameters");
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
                stages.Add(new RecipeStage
                {
                    Stage = j.String(s, at, "stage") ?? throw new InvalidDataException($"{path}: {at}.stage is missing (expected \"prune\" or \"quantize\")."),
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

/// <summary>A per-layer plan file: a JSON object from layer name (Hugging Face key prefix) to sparsity or bits.</summary>
public static class RecipePlan
{
    public static IReadOnlyDictionary<string, double> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such plan file.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})."); }
        using (doc) return Parse(doc.RootElement, path);
    }

    public static IReadOnlyDictionary<string, double> Parse(JsonElement plan, string where)
    {
        if (plan.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: expected an object mapping layer names to numbers, e.g. {{\"bert.encoder.layer.0.output.dense\": 0.7}}.");
        var map = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in plan.EnumerateObject())
            map[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble()
                : throw new InvalidDataException($"{where}: '{p.Name}': expected a number, found {p.Value.GetRawText()}.");
        if (map.Count == 0) throw new InvalidDataException($"{where}: the plan names no layer.");
        return map;
    }
}
