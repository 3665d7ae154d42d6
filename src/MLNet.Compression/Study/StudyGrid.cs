using System.Globalization;
using System.Text.Json;
using MLNet.Compression.Distillation;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.Study;

/// <summary>One point of a study grid: a label, how it is reported, and the recipe stages that make it (none for dense).</summary>
public sealed record StudyGridPoint(string Name, string Method, string Group, double Sparsity, int Bits, IReadOnlyList<RecipeStage> Stages);

/// <summary>
/// The compressed variants a study evaluates. <see cref="Namburi2023"/> is seed study 1's grid (Namburi et al. 2023, "The Cost of
/// Compression"): global magnitude pruning of attention-qkv, ffn and all at 0.1 … 0.9, dynamic int8 of each group, prune + int8 at
/// 0.2 and 0.4, and L2-structured pruning of attention rows. A grid file lists points with recipe stages (docs/FORMATS.md).
/// </summary>
public sealed class StudyGrid
{
    public StudyGrid(string name, IReadOnlyList<StudyGridPoint> points)
    {
        Name = name;
        Points = points;
    }

    public string Name { get; }

    public IReadOnlyList<StudyGridPoint> Points { get; }

    private static readonly string[] Groups = ["attention-qkv", "ffn", "all"];

    private static RecipeStage Magnitude(string group, double s) => new() { Stage = RecipeMethods.Prune, Method = "magnitude", Groups = group, Sparsity = s, Scope = "global" };

    private static RecipeStage Int8(string group) => new() { Stage = RecipeMethods.Quantize, Method = "dynamic-int8", Groups = group };

    /// <param name="sparsities">null: 0.1 … 0.9 as the study; CI passes a few</param>
    public static StudyGrid Namburi2023(IReadOnlyList<double>? sparsities = null)
    {
        sparsities ??= Enumerable.Range(1, 9).Select(i => i / 10.0).ToList();
        var points = new List<StudyGridPoint> { new("dense", "dense", "none", 0, 32, []) };
        foreach (var g in Groups)
            foreach (var s in sparsities)
                points.Add(new($"magnitude {g} {S(s)}", "magnitude", g, s, 32, [Magnitude(g, s)]));
        foreach (var g in Groups) points.Add(new($"int8 {g}", "dynamic-int8", g, 0, 8, [Int8(g)]));
        foreach (var s in new[] { 0.2, 0.4 })
            points.Add(new($"magnitude+int8 all {S(s)}", "magnitude+int8", "all", s, 8, [Magnitude("all", s), Int8("all")]));
        foreach (var s in sparsities.Where(s => s <= 0.5))
            points.Add(new($"ln-structured attention-qkv {S(s)}", "ln-structured", "attention-qkv", s, 32,
                [new RecipeStage { Stage = RecipeMethods.Prune, Method = "ln-structured", Groups = "attention-qkv", Sparsity = s }]));
        return new StudyGrid("namburi2023", points);
    }

    /// <summary>
    /// A grid file: <c>{"name": "...", "points": [{"name": "...", "method": "...", "group": "...", "sparsity": 0.5, "bits": 8,
    /// "stages": [recipe stages]}]}</c>; a point without stages is the dense model.
    /// </summary>
    /// <summary>
    /// Seed study 2's grid (Gonçalves &amp; Strubell 2023, "Understanding the Effect of Model Compression on Social Bias in
    /// Large Language Models"): each model or pretraining checkpoint dense, after PyTorch's dynamic int8 quantization of every
    /// linear layer, and with its weights stored as float16.
    /// </summary>
    public static StudyGrid Goncalves2023() => new("goncalves2023",
    [
        new("dense", "dense", "none", 0, 32, []),
        new("int8 all", "dynamic-int8", "all", 0, 8, [Int8("all")]),
        new("fp16 all", "fp16", "all", 0, 16, [new RecipeStage { Stage = RecipeMethods.Quantize, Method = "fp16", Groups = "all" }]),
    ]);

    /// <summary>
    /// Distilled and recovered points to add to a grid: a student keeping half the model's layers distilled from it
    /// (DistilBERT's loss and layer choice), and the model pruned by global magnitude at <paramref name="recoverSparsity"/>
    /// over every linear layer, then recovered against the dense model with its pruned weights kept at zero. Both train on
    /// <paramref name="textFile"/>; <paramref name="training"/> holds distill stage fields (batch_size, seq_len, lr, …).
    /// The recovery trains at a quarter of the student's learning rate, as it starts from trained weights.
    /// </summary>
    public static IReadOnlyList<StudyGridPoint> Distillation(string textFile, int studentSteps, int recoverSteps, double recoverSparsity = 0.7,
        IReadOnlyDictionary<string, string>? training = null)
    {
        var inv = CultureInfo.InvariantCulture;
        Dictionary<string, string> Fields(int steps, double lrScale)
        {
            var d = new Dictionary<string, string>(training ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["steps"] = steps.ToString(inv) };
            double lr = d.TryGetValue("lr", out var v) ? double.Parse(v, inv) : new Distiller.Options().LearningRate;
            d["lr"] = (lr * lrScale).ToString("R", inv);
            return d;
        }
        var student = new RecipeStage { Stage = RecipeMethods.Distill, Method = "student", Text = textFile, Parameters = Fields(studentSteps, 1) };
        var recover = new RecipeStage { Stage = RecipeMethods.Distill, Method = "recover", Text = textFile, Parameters = Fields(recoverSteps, 0.25) };
        return
        [
            new("distilled student", "distilled", "none", 0, 32, [student]),
            new($"magnitude all {S(recoverSparsity)} + recover", "magnitude+recover", "all", recoverSparsity, 32, [Magnitude("all", recoverSparsity), recover]),
        ];
    }

    /// <summary>A built-in grid by name ("namburi2023", "goncalves2023"), else null.</summary>
    public static StudyGrid? Named(string name) => name switch
    {
        "namburi2023" => Namburi2023(),
        "goncalves2023" => Goncalves2023(),
        _ => null,
    };

    public static StudyGrid Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such grid file.");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("points", out var pts) || pts.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: 'points' is missing (expected a list of grid points).");
        var points = new List<StudyGridPoint>();
        int i = 0;
        foreach (var p in pts.EnumerateArray())
        {
            string at = $"{path}: points[{i++}]";
            string name = p.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new InvalidDataException($"{at}.name is missing.");
            var stages = new List<RecipeStage>();
            if (p.TryGetProperty("stages", out var st))
            {
                var recipe = Recipe.Parse(JsonSerializer.Serialize(new { stages = JsonSerializer.Deserialize<JsonElement>(st.GetRawText()) }), at, Path.GetDirectoryName(Path.GetFullPath(path))!);
                recipe.Validate(at);
                stages.AddRange(recipe.Stages);
            }
            string Str(string f, string d) => p.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : d;
            double Num(string f, double d) => p.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : d;
            points.Add(new(name, Str("method", stages.Count == 0 ? "dense" : stages[^1].Method), Str("group", stages.FirstOrDefault()?.Groups ?? "none"),
                Num("sparsity", stages.FirstOrDefault()?.Sparsity ?? 0), (int)Num("bits", 32), stages));
        }
        if (!points.Any(p => p.Stages.Count == 0)) points.Insert(0, new("dense", "dense", "none", 0, 32, []));
        return new StudyGrid(root.TryGetProperty("name", out var gn) && gn.ValueKind == JsonValueKind.String ? gn.GetString()! : Path.GetFileNameWithoutExtension(path), points);
    }

    private static string S(double s) => s.ToString("0.0#", CultureInfo.InvariantCulture);
}
