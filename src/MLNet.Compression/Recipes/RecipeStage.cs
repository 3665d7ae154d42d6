using System.Globalization;
using MLNet.Compression.Distillation;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Recipes;

/// <summary>
/// One compression stage of a recipe or of a `prune`/`quantize` command line (docs/FORMATS.md, "Recipes").
/// Fields a method does not take must be left unset; <see cref="Validate"/> says which ones it takes.
/// </summary>
public sealed record RecipeStage
{
    /// <summary>"prune", "quantize" or "distill".</summary>
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
    /// <summary>
    /// Method-specific settings as invariant text: block_size, damping, act_order, per_channel, norm, lambda,
    /// outlier_threshold; for distill stages student_layers, steps, batch_size, seq_len, lr, temperature, alpha, beta, gamma,
    /// mask_probability.
    /// </summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Training text of a distill stage: a UTF-8 file, one row per line.</summary>
    public string? Text { get; init; }

    /// <summary>
    /// <see cref="Text"/> encoded with the model's tokenizer (<see cref="RecipeTrainingText"/>), which the distill
    /// estimators train on; set by whoever holds the tokenizer, never read from JSON.
    /// </summary>
    public TrainingText? TrainingRows { get; init; }

    /// <summary>The parameters a distill stage takes besides its text (student_layers only for "student").</summary>
    public static readonly string[] TrainingParameters = ["steps", "batch_size", "seq_len", "lr", "temperature", "alpha", "beta", "gamma", "mask_probability"];

    /// <summary>A distill stage's training settings: the Options defaults overridden by the stage's parameters.</summary>
    public Distiller.Options Training()
    {
        var o = new Distiller.Options();
        o.Steps = (int)Number("steps", o.Steps);
        o.BatchSize = (int)Number("batch_size", o.BatchSize);
        o.SequenceLength = (int)Number("seq_len", o.SequenceLength);
        o.LearningRate = Number("lr", o.LearningRate);
        o.MaskProbability = Number("mask_probability", o.MaskProbability);
        var loss = o.Loss;
        o.Loss = new DistillationLoss(Number("temperature", loss.Temperature), Number("alpha", loss.Alpha), Number("beta", loss.Beta), Number("gamma", loss.Gamma));
        return o;
    }

    /// <summary>The student_layers parameter of a distill student stage; null when unset (the default student).</summary>
    public int[]? StudentLayerList(string where)
    {
        if (!Parameters.TryGetValue("student_layers", out var text)) return null;
        try { return StudentLayers.Parse(text); }
        catch (ArgumentException e) { throw new ArgumentException(Renamed(e.Message, "--student-layers", where)); }
    }

    /// <summary>A library message that names a CLI option, renamed to the recipe field that holds the value.</summary>
    internal static string Renamed(string message, string option, string field)
        => message.StartsWith(option + ":", StringComparison.Ordinal) ? field + message[option.Length..] : $"{field}: {message}";

    /// <summary>Sparsity, or the pruning options' default when unset.</summary>
    public double SparsityOrDefault => Sparsity ?? new PruningOptions().Sparsity;

    /// <summary>A true/false method parameter (act_order, per_channel), validated by <see cref="Validate"/>; the Options default when unset.</summary>
    public bool Flag(string key, bool optionsDefault) => Parameters.TryGetValue(key, out var v) ? v == "true" : optionsDefault;

    /// <summary>A numeric method parameter (damping, block_size, lambda, …), validated by <see cref="Validate"/>; the Options default when unset.</summary>
    public double Number(string key, double optionsDefault)
        => Parameters.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : optionsDefault;

    /// <summary>Fills the options every pruner shares (sparsity, groups, plan) from this stage.</summary>
    public T Pruning<T>(T options, ModuleGroup groups) where T : PruningOptions
    {
        if (Sparsity is double s) options.Sparsity = s;
        options.Groups = groups;
        options.Plan = Plan is null ? null : new SparsityPlan(Plan);
        return options;
    }

    /// <summary>The stage's scope, or the method's own default when unset.</summary>
    public PruningScope ScopeOr(PruningScope optionsDefault)
        => Scope switch { "global" => PruningScope.Global, "local" => PruningScope.Local, _ => optionsDefault };

    /// <summary>The plan as per-layer bits, for quantize stages.</summary>
    public BitPlan? BitPlan()
        => Plan is null ? null : new BitPlan(Plan.ToDictionary(p => p.Key, p => (int)p.Value));

    /// <summary>(N, M) of <see cref="NM"/>; null when unset.</summary>
    public (int N, int M)? ParsedNM => NM is null ? null : ParseNM(NM, "nm");

    /// <summary>
    /// Checks everything that can be checked without the model: the method exists, the fields it does not take are unset,
    /// values are in range, the group parses. <paramref name="where"/> prefixes messages ("recipe.json: stages[1]").
    /// </summary>
    /// <param name="commandLine">name fields as command-line options (--group-size) rather than JSON fields (group_size)</param>
    public RecipeMethod Validate(string where, bool commandLine = false)
    {
        string F(string field) => commandLine ? $"{where}: --{field.Replace('_', '-')}" : $"{where}.{field}";
        if (Stage is not (RecipeMethods.Prune or RecipeMethods.Quantize or RecipeMethods.Distill))
            throw new ArgumentException($"{F("stage")}: \"{Stage}\" is not a stage (expected \"prune\", \"quantize\" or \"distill\").");
        var method = RecipeMethods.Find(Stage, Method, F("method"));
        var given = new List<string>();
        if (Scope is not null) given.Add("scope");
        if (Sparsity is not null) given.Add("sparsity");
        if (NM is not null) given.Add("nm");
        if (Bits is not null) given.Add("bits");
        if (GroupSize is not null) given.Add("group_size");
        if (Symmetric is not null) given.Add("symmetric");
        if (Plan is not null) given.Add("plan");
        if (Text is not null) given.Add("text");
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
        if (Stage == RecipeMethods.Distill)
        {
            if (Text is null) throw new ArgumentException($"{F("text")} is missing: a distill stage trains on text (a UTF-8 file, one row per line).");
            if (Groups != "all") throw new ArgumentException($"{F("groups")}: \"{Groups}\"; a distill stage trains the whole model (leave groups out).");
            StudentLayerList(F("student_layers"));
            try { Training().Loss.Validate(); }
            catch (ArgumentException e) { throw new ArgumentException($"{where}: {e.Message.Replace("--", "", StringComparison.Ordinal)}"); }
        }
        try { ModuleGroup.Parse(Groups); }
        catch (ArgumentException e) { throw new ArgumentException($"{F("groups")}: {e.Message}"); }
        return method;
    }

    private static void CheckParameter(string key, string value, string where)
    {
        var inv = CultureInfo.InvariantCulture;
        bool ok = key switch
        {
            "block_size" or "steps" or "batch_size" or "seq_len" => int.TryParse(value, inv, out int bs) && bs > 0,
            "lr" or "temperature" => double.TryParse(value, inv, out double p) && p > 0 && !double.IsInfinity(p),
            "alpha" or "beta" or "gamma" => double.TryParse(value, inv, out double w) && w >= 0 && !double.IsInfinity(w),
            "student_layers" => true,
            "mask_probability" => double.TryParse(value, inv, out double mp) && mp > 0 && mp < 1,
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
                "block_size" or "steps" or "batch_size" or "seq_len" => "a positive integer",
                "alpha" or "beta" or "gamma" => "a non-negative number",
                "mask_probability" => "a number in (0, 1)",
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
