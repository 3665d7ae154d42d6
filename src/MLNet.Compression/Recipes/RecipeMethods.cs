using MLNet.Compression.Distillation;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Recipes;

/// <summary>
/// The table from method names to estimators that the `prune`, `quantize` and `compress` commands and study grids use (docs/FORMATS.md,
/// "Recipes"). A method registered without a factory validates in recipes and is refused when run, with a clear message.
/// </summary>
public static class RecipeMethods
{
    public const string Prune = "prune";
    public const string Quantize = "quantize";
    public const string Distill = "distill";

    private static readonly string[] Sparse = ["sparsity", "plan"];
    // Each factory starts from the method's Options (where every default lives) and overrides only what the stage sets.
    private static readonly List<RecipeMethod> Methods =
    [
        // Seed study 1's pruners: torch.nn.utils.prune (L1Unstructured with global_unstructured, RandomUnstructured, LnStructured).
        new(Prune, "magnitude", "ctx.Pruning.Magnitude", [.. Sparse, "scope"], false, (ctx, s, g) =>
        {
            var o = s.Pruning(new MagnitudePruningEstimator.Options(), g);
            o.Scope = s.ScopeOr(o.Scope);
            return ctx.Pruning.Magnitude(o);
        }),
        new(Prune, "random", "ctx.Pruning.Random", [.. Sparse, "scope"], false, (ctx, s, g) =>
        {
            var o = s.Pruning(new RandomPruningEstimator.Options(), g);
            o.Scope = s.ScopeOr(o.Scope);
            return ctx.Pruning.Random(o);
        }),
        new(Prune, "random-structured", "ctx.Pruning.RandomStructured", Sparse, false,
            (ctx, s, g) => ctx.Pruning.Structured(s.Pruning(new StructuredPruningEstimator.Options { ByNorm = false }, g))),
        new(Prune, "ln-structured", "ctx.Pruning.LnStructured", [.. Sparse, "norm"], false, (ctx, s, g) =>
        {
            var o = s.Pruning(new StructuredPruningEstimator.Options { ByNorm = true }, g);
            o.NormOrder = s.Number("norm", o.NormOrder);
            return ctx.Pruning.Structured(o);
        }),
        new(Prune, "nm", "ctx.Pruning.NM", ["nm"], false, (ctx, s, g) =>
        {
            var o = new NMPruningEstimator.Options { Groups = g };
            if (s.ParsedNM is var (n, m)) (o.N, o.M) = (n, m);
            return ctx.Pruning.NM(o);
        }),
        new(Prune, "heads", "ctx.Pruning.Heads", Sparse, false, (ctx, s, g) => ctx.Pruning.Heads(s.Pruning(new HeadPruningEstimator.Options(), g))),
        new(Prune, "neurons", "ctx.Pruning.Neurons", Sparse, false, (ctx, s, g) => ctx.Pruning.Neurons(s.Pruning(new NeuronPruningEstimator.Options(), g))),
        // Sun et al. 2023 (Wanda), Frantar & Alistarh 2023 (SparseGPT), Yin et al. 2023 (OWL): calibration-based.
        new(Prune, "wanda", "ctx.Pruning.Wanda", [.. Sparse, "nm"], true, (ctx, s, g) =>
        {
            var o = s.Pruning(new WandaPruningEstimator.Options(), g);
            if (s.ParsedNM is var (n, m)) (o.N, o.M) = (n, m);
            return ctx.Pruning.Wanda(o);
        }),
        new(Prune, "sparsegpt", "ctx.Pruning.SparseGpt", [.. Sparse, "nm", "block_size", "damping"], true, (ctx, s, g) =>
        {
            var o = s.Pruning(new SparseGptPruningEstimator.Options(), g);
            o.BlockSize = (int)s.Number("block_size", o.BlockSize);
            o.Damping = s.Number("damping", o.Damping);
            if (s.ParsedNM is var (n, m)) (o.N, o.M) = (n, m);
            return ctx.Pruning.SparseGpt(o);
        }),
        new(Prune, "owl", "ctx.Pruning.Owl", ["sparsity", "lambda", "outlier_threshold"], true, (ctx, s, g) =>
        {
            var o = s.Pruning(new OwlPruningEstimator.Options(), g);
            o.Lambda = s.Number("lambda", o.Lambda);
            o.OutlierThreshold = s.Number("outlier_threshold", o.OutlierThreshold);
            return ctx.Pruning.Owl(o);
        }),
        // PyTorch's quantize_dynamic (seed studies 1 and 2), half-precision storage, weight-only RTN and GPTQ (Frantar et al. 2022).
        new(Quantize, "dynamic-int8", "ctx.Quantization.DynamicInt8", ["per_channel"], false, (ctx, s, g) =>
        {
            var o = new DynamicInt8Estimator.Options { Groups = g };
            o.PerChannel = s.Flag("per_channel", o.PerChannel);
            return ctx.Quantization.DynamicInt8(o);
        }),
        new(Quantize, "fp16", "ctx.Quantization.Float16", [], false, (ctx, _, g) => ctx.Quantization.Float16(g)),
        new(Quantize, "bf16", "ctx.Quantization.BFloat16", [], false, (ctx, _, g) => ctx.Quantization.BFloat16(g)),
        new(Quantize, "rtn", "ctx.Quantization.WeightOnly", ["bits", "group_size", "symmetric", "plan"], false, (ctx, s, g) =>
        {
            var o = new WeightOnlyEstimator.Options { Groups = g, Plan = s.BitPlan() };
            o.Bits = s.Bits ?? o.Bits;
            o.GroupSize = s.GroupSize ?? o.GroupSize;
            o.Symmetric = s.Symmetric ?? o.Symmetric;
            return ctx.Quantization.WeightOnly(o);
        }),
        new(Quantize, "gptq", "ctx.Quantization.Gptq", ["bits", "group_size", "symmetric", "plan", "damping", "block_size", "act_order"], true, (ctx, s, g) =>
        {
            var o = new GptqEstimator.Options { Groups = g, Plan = s.BitPlan() };
            o.Bits = s.Bits ?? o.Bits;
            o.GroupSize = s.GroupSize ?? o.GroupSize;
            o.Symmetric = s.Symmetric ?? o.Symmetric;
            o.PercentDamp = s.Number("damping", o.PercentDamp);
            o.BlockSize = (int)s.Number("block_size", o.BlockSize);
            o.ActOrder = s.Flag("act_order", o.ActOrder);
            return ctx.Quantization.Gptq(o);
        }),
        // DistilBERT's student (Sanh et al. 2019) and recovery training of the stages before it against the recipe's model.
        new(Distill, "student", "ctx.Distillation.Student", ["text", "student_layers", .. RecipeStage.TrainingParameters], false, (ctx, s, _) =>
            ctx.Distillation.Student(new StudentDistillationEstimator.Options
            {
                StudentLayers = s.StudentLayerList("student_layers"), Training = s.Training(), Text = s.TrainingRows ?? throw NotEncoded(s),
            })),
        new(Distill, "recover", "ctx.Distillation.Recover", ["text", .. RecipeStage.TrainingParameters], false, (ctx, s, _) =>
            ctx.Distillation.Recover(new RecoveryEstimator.Options { Training = s.Training(), Text = s.TrainingRows ?? throw NotEncoded(s) })),
    ];

    private static InvalidOperationException NotEncoded(RecipeStage s)
        => new($"distill {s.Method}: its text {s.Text} was not encoded with the model's tokenizer (RecipeTrainingText) before the chain was built.");

    /// <summary>Every method, available or not, in the order the help lists them.</summary>
    public static IReadOnlyList<RecipeMethod> All
    {
        get { lock (Methods) return Methods.ToList(); }
    }

    /// <summary>The method names of one stage kind.</summary>
    public static IReadOnlyList<string> Names(string stage) => All.Where(m => m.Stage == stage).Select(m => m.Name).ToList();

    /// <summary>Adds or replaces a method (tests and plug-in packages add their own).</summary>
    public static void Register(RecipeMethod method)
    {
        lock (Methods)
        {
            int i = Methods.FindIndex(m => m.Stage == method.Stage && m.Name == method.Name);
            if (i >= 0) Methods[i] = method;
            else Methods.Add(method);
        }
    }

    /// <summary>The method <paramref name="name"/> of <paramref name="stage"/>; an unknown one is an error listing the known names.</summary>
    public static RecipeMethod Find(string stage, string name, string where = "method")
        => All.FirstOrDefault(m => m.Stage == stage && string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"{where}: unknown {stage} method \"{name}\" (known: {string.Join(", ", Names(stage))}).");

    /// <summary>The factory of an available method, else an error saying the estimator is not in this build.</summary>
    public static RecipeFactory FactoryOf(RecipeMethod method, string where = "method")
        => method.Factory ?? throw new InvalidOperationException(
            $"{where}: {method.Stage} method \"{method.Name}\" is not available in this build: its estimator ({method.Estimator}) is not part of this build. " +
            $"Available {method.Stage} methods: {AvailableList(method.Stage)}.");

    private static string AvailableList(string stage)
    {
        var names = All.Where(m => m.Stage == stage && m.Available).Select(m => m.Name).ToList();
        return names.Count == 0 ? "none yet" : string.Join(", ", names);
    }
}
