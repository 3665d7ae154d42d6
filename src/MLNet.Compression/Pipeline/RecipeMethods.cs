using MLNet.Compression.Compression;
using MLNet.Compression.Compression.Pruning;
using MLNet.Compression.Compression.Quantization;

namespace MLNet.Compression.Pipeline;

/// <summary>Builds the estimator of one recipe stage; <paramref name="groups"/> is the parsed <see cref="RecipeStage.Groups"/>.</summary>
public delegate IModelEstimator<ModelTransformer> RecipeFactory(CompressionContext context, RecipeStage stage, ModuleGroup groups);

/// <summary>
/// A method a recipe, `prune` or `quantize` can name.
/// </summary>
/// <param name="Stage">"prune" or "quantize"</param>
/// <param name="Name">the name on the command line and in recipes ("magnitude", "dynamic-int8", ...)</param>
/// <param name="Estimator">the catalog method it calls, for messages ("ctx.Pruning.Magnitude")</param>
/// <param name="Accepts">the stage fields it takes besides stage, method and groups (see <see cref="RecipeStage"/>)</param>
/// <param name="NeedsCalibration">true when it runs calibration text through the model (Wanda, SparseGPT, OWL, GPTQ)</param>
/// <param name="Factory">null while the estimator is not part of this build</param>
public sealed record RecipeMethod(string Stage, string Name, string Estimator, IReadOnlyList<string> Accepts, bool NeedsCalibration, RecipeFactory? Factory)
{
    public bool Available => Factory is not null;
}

/// <summary>
/// The table from method names to estimators that the `prune`, `quantize` and `compress` commands use (docs/FORMATS.md,
/// "Recipes"). Every method of issue 5 is listed so recipes validate today; a method whose estimator is not in this build
/// has no factory and is refused with a clear message. Wiring one is a single line here: replace <c>null</c> by
/// <c>(ctx, s, g) =&gt; ctx.Pruning.Magnitude(...)</c>.
/// </summary>
public static class RecipeMethods
{
    public const string Prune = "prune";
    public const string Quantize = "quantize";

    private static readonly string[] Sparse = ["sparsity", "plan"];
    private static readonly List<RecipeMethod> Methods =
    [
        // Seed study 1's pruners: torch.nn.utils.prune (L1Unstructured with global_unstructured, RandomUnstructured, LnStructured).
        new(Prune, "magnitude", "ctx.Pruning.Magnitude", [.. Sparse, "scope"], false,
            (ctx, s, g) => ctx.Pruning.Magnitude(s.Pruning(new MagnitudePruningEstimator.Options { Scope = s.ScopeOr(PruningScope.Global) }, g))),
        new(Prune, "random", "ctx.Pruning.Random", [.. Sparse, "scope"], false,
            (ctx, s, g) => ctx.Pruning.Random(s.Pruning(new RandomPruningEstimator.Options { Scope = s.ScopeOr(PruningScope.Local) }, g))),
        new(Prune, "random-structured", "ctx.Pruning.RandomStructured", Sparse, false,
            (ctx, s, g) => ctx.Pruning.Structured(s.Pruning(new StructuredPruningEstimator.Options { ByNorm = false }, g))),
        new(Prune, "ln-structured", "ctx.Pruning.LnStructured", [.. Sparse, "norm"], false,
            (ctx, s, g) => ctx.Pruning.Structured(s.Pruning(new StructuredPruningEstimator.Options { ByNorm = true, NormOrder = s.Number("norm", 2) }, g))),
        new(Prune, "nm", "ctx.Pruning.NM", ["nm"], false,
            (ctx, s, g) => ctx.Pruning.NM(new NMPruningEstimator.Options { N = s.NMOrDefault.N, M = s.NMOrDefault.M, Groups = g })),
        new(Prune, "heads", "ctx.Pruning.Heads", Sparse, false, (ctx, s, g) => ctx.Pruning.Heads(s.Pruning(new HeadPruningEstimator.Options(), g))),
        new(Prune, "neurons", "ctx.Pruning.Neurons", Sparse, false, (ctx, s, g) => ctx.Pruning.Neurons(s.Pruning(new NeuronPruningEstimator.Options(), g))),
        // Sun et al. 2023 (Wanda), Frantar & Alistarh 2023 (SparseGPT), Yin et al. 2023 (OWL): calibration-based.
        new(Prune, "wanda", "ctx.Pruning.Wanda", [.. Sparse, "nm"], true,
            (ctx, s, g) => ctx.Pruning.Wanda(s.Pruning(new WandaPruningEstimator.Options { N = s.NM is null ? 0 : s.NMOrDefault.N, M = s.NM is null ? 0 : s.NMOrDefault.M }, g))),
        new(Prune, "sparsegpt", "ctx.Pruning.SparseGpt", [.. Sparse, "nm", "block_size", "damping"], true,
            (ctx, s, g) => ctx.Pruning.SparseGpt(s.Pruning(new SparseGptPruningEstimator.Options
            {
                BlockSize = (int)s.Number("block_size", 128), Damping = s.Number("damping", 0.01),
                N = s.NM is null ? 0 : s.NMOrDefault.N, M = s.NM is null ? 0 : s.NMOrDefault.M,
            }, g))),
        new(Prune, "owl", "ctx.Pruning.Owl", ["sparsity", "lambda", "outlier_threshold"], true,
            (ctx, s, g) => ctx.Pruning.Owl(s.Pruning(new OwlPruningEstimator.Options { Lambda = s.Number("lambda", 0.08), OutlierThreshold = s.Number("outlier_threshold", 5) }, g))),
        // PyTorch's quantize_dynamic (seed studies 1 and 2), half-precision storage, weight-only RTN and GPTQ (Frantar et al. 2022).
        new(Quantize, "dynamic-int8", "ctx.Quantization.DynamicInt8", ["per_channel"], false,
            (ctx, s, g) => ctx.Quantization.DynamicInt8(new DynamicInt8Estimator.Options { Groups = g, PerChannel = s.Flag("per_channel", false) })),
        new(Quantize, "fp16", "ctx.Quantization.Float16", [], false, (ctx, _, g) => ctx.Quantization.Float16(g)),
        new(Quantize, "bf16", "ctx.Quantization.BFloat16", [], false, (ctx, _, g) => ctx.Quantization.BFloat16(g)),
        new(Quantize, "rtn", "ctx.Quantization.WeightOnly", ["bits", "group_size", "symmetric", "plan"], false,
            (ctx, s, g) => ctx.Quantization.WeightOnly(new WeightOnlyEstimator.Options
            {
                Bits = s.BitsOrDefault, GroupSize = s.GroupSizeOrDefault, Symmetric = s.Symmetric ?? false, Groups = g, Plan = s.BitPlan(),
            })),
        new(Quantize, "gptq", "ctx.Quantization.Gptq", ["bits", "group_size", "symmetric", "plan", "damping", "block_size", "act_order"], true,
            (ctx, s, g) => ctx.Quantization.Gptq(new GptqEstimator.Options
            {
                Bits = s.BitsOrDefault, GroupSize = s.GroupSizeOrDefault, Symmetric = s.Symmetric ?? false, Groups = g, Plan = s.BitPlan(),
                PercentDamp = s.Number("damping", 0.01), BlockSize = (int)s.Number("block_size", 128), ActOrder = s.Flag("act_order", false),
            })),
    ];

    /// <summary>Every method, available or not, in the order the help lists them.</summary>
    public static IReadOnlyList<RecipeMethod> All
    {
        get { lock (Methods) return Methods.ToList(); }
    }

    /// <summary>The method names of one stage kind.</summary>
    public static IReadOnlyList<string> Names(string stage) => All.Where(m => m.Stage == stage).Select(m => m.Name).ToList();

    /// <summary>Adds or replaces a method (the lead wires the estimators here; tests and plug-ins may add their own).</summary>
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
            $"{where}: {method.Stage} method \"{method.Name}\" is not available in this build: its estimator ({method.Estimator}) has not been merged yet. " +
            $"Available {method.Stage} methods: {AvailableList(method.Stage)}.");

    private static string AvailableList(string stage)
    {
        var names = All.Where(m => m.Stage == stage && m.Available).Select(m => m.Name).ToList();
        return names.Count == 0 ? "none yet" : string.Join(", ", names);
    }
}
