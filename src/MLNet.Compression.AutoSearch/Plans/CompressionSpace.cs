using System.Globalization;
using System.Text.RegularExpressions;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>
/// The search space of compression plans for one model: the units (layers or block × group) and the
/// <see cref="SearchSpace"/> over their settings. Parameter names: "{unit}.sparsity" (a stepped range), "{unit}.bits"
/// (a choice), and the plan-wide "pruner", "quantizer", "group_size" choices. <see cref="Plan"/> turns a point into a
/// <see cref="CompressionPlan"/>.
/// </summary>
public sealed class CompressionSpace
{
    public const string PrunerParameter = "pruner";
    public const string QuantizerParameter = "quantizer";
    public const string GroupSizeParameter = "group_size";

    /// <summary>The pruners a plan can use.</summary>
    public static readonly string[] KnownPruners = ["magnitude", "wanda", "sparsegpt", "nm"];
    /// <summary>The bit-widths a plan can use ("none": float32).</summary>
    public static readonly string[] KnownBits = ["none", "16", "8", "4", "3", "2"];
    /// <summary>The quantizers a plan can use.</summary>
    public static readonly string[] KnownQuantizers = ["rtn", "gptq", "dynamic-int8"];

    private readonly Dictionary<string, Linear> _layers;

    private CompressionSpace(SearchSpace space, IReadOnlyList<PlanUnit> units, Dictionary<string, Linear> layers, CompressionSpaceOptions options)
    {
        Space = space;
        Units = units;
        _layers = layers;
        Options = options;
    }

    /// <summary>The searched dimensions; the user may narrow a range or fix a choice by name before searching.</summary>
    public SearchSpace Space { get; }

    /// <summary>The units, in checkpoint order.</summary>
    public IReadOnlyList<PlanUnit> Units { get; }

    public CompressionSpaceOptions Options { get; }

    /// <summary>The searched layers, by name.</summary>
    public IReadOnlyDictionary<string, Linear> Layers => _layers;

    /// <summary>Weights in the searched layers.</summary>
    public long SearchedParameters => Units.Sum(u => u.Parameters);

    /// <summary>The space of <paramref name="model"/> under <paramref name="options"/>; an unknown method or bit-width is a one-line error naming it.</summary>
    public static CompressionSpace Build(LanguageModel model, CompressionSpaceOptions options)
    {
        Check(options.Pruners, KnownPruners, "pruner");
        Check(options.Bits, KnownBits, "bits");
        Check(options.Quantizers, KnownQuantizers, "quantizer");
        if (options.GroupSizes.Count == 0 || options.GroupSizes.Any(g => g != -1 && (g <= 0 || g % 32 != 0)))
            throw new ArgumentException($"group sizes {string.Join(", ", options.GroupSizes)}: expected multiples of 32, or -1 for one group per row.");
        if (!(options.MinSparsity >= 0 && options.MinSparsity <= options.MaxSparsity && options.MaxSparsity < 1))
            throw new ArgumentException($"sparsity range [{options.MinSparsity}, {options.MaxSparsity}]: expected 0 ≤ min ≤ max < 1.");

        var selected = ModuleGroup.Parse(options.Groups).Select(model);
        var layers = selected.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var units = options.Granularity == PlanGranularity.Layer
            ? selected.Select(l => new PlanUnit(l.Name, [l.Name], (long)l.InFeatures * l.OutFeatures)).ToList()
            : selected.GroupBy(BlockGroupOf).Select(g => new PlanUnit(g.Key, g.Select(l => l.Name).ToList(), g.Sum(l => (long)l.InFeatures * l.OutFeatures))).ToList();

        var space = new SearchSpace();
        foreach (var u in units)
        {
            space.Add(new Space.Range(SparsityName(u), options.MinSparsity, options.MaxSparsity, step: options.SparsityStep));
            space.Add(new Choice(BitsName(u), options.Bits.ToArray()));
        }
        space.Add(new Choice(PrunerParameter, options.Pruners.ToArray()));
        space.Add(new Choice(QuantizerParameter, options.Quantizers.ToArray()));
        space.Add(new Choice(GroupSizeParameter, options.GroupSizes.Select(g => g.ToString(CultureInfo.InvariantCulture)).ToArray()));
        return new CompressionSpace(space, units, layers, options);
    }

    public static string SparsityName(PlanUnit u) => u.Name + ".sparsity";
    public static string BitsName(PlanUnit u) => u.Name + ".bits";

    /// <summary>"block{i}.attention" / "block{i}.ffn" / "block{i}.other" from the first number in the layer name and its role.</summary>
    private static string BlockGroupOf(Linear l)
    {
        var m = Regex.Match(l.Name, @"(?:^|\.)(\d+)(?:\.|$)");
        string block = m.Success ? "block" + m.Groups[1].Value : "model";
        string group = l.Role switch
        {
            LayerRole.AttentionQuery or LayerRole.AttentionKey or LayerRole.AttentionValue or LayerRole.AttentionQkv or LayerRole.AttentionOutput => "attention",
            LayerRole.FfnUp or LayerRole.FfnGate or LayerRole.FfnDown => "ffn",
            _ => "other",
        };
        return block + "." + group;
    }

    private static void Check(IReadOnlyList<string> given, string[] known, string what)
    {
        if (given.Count == 0) throw new ArgumentException($"{what}: no value given (known: {string.Join(", ", known)}).");
        foreach (var g in given)
            if (!known.Contains(g)) throw new ArgumentException($"{what}: unknown {what} \"{g}\" (known: {string.Join(", ", known)}).");
    }

    /// <summary>
    /// The plan a point stands for. Rules that make every point a valid plan: "nm" prunes 2:4 the units whose sparsity is
    /// at least 0.5 and leaves the others dense; "dynamic-int8" has 8 bits only, so its units at 4, 3 or 2 bits use rtn;
    /// a quantized unit is not pruned, since every quantized form stores the weight dense, so pruning first would cost
    /// knowledge and save no byte (its sparsity is ignored; <see cref="Canonical"/> sets it to the range's low end).
    /// </summary>
    public CompressionPlan Plan(Parameters p)
    {
        string pruner = p.Text(PrunerParameter), quantizer = p.Text(QuantizerParameter);
        int groupSize = int.Parse(p.Text(GroupSizeParameter), CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, LayerSetting>(StringComparer.Ordinal);
        foreach (var u in Units)
        {
            int? bits = p.Text(BitsName(u)) is "none" ? null : int.Parse(p.Text(BitsName(u)), CultureInfo.InvariantCulture);
            double s = bits is null ? p.Number(SparsityName(u)) : 0;
            if (pruner == "nm") s = s >= 0.5 ? 0.5 : 0;
            string q = quantizer == "dynamic-int8" && bits is < 8 ? "rtn" : quantizer;
            var setting = new LayerSetting(s, pruner, bits, q, groupSize);
            foreach (var layer in u.Layers) settings[layer] = setting;
        }
        return new CompressionPlan(this, settings);
    }

    /// <summary>
    /// <paramref name="p"/> with the dimensions its plan ignores set to one value (the sparsity of quantized units to the
    /// range's low end), so two points that are one plan are one point and the study never runs a plan twice.
    /// </summary>
    public Parameters Canonical(Parameters p)
    {
        var c = p;
        foreach (var u in Units)
            if (p.Text(BitsName(u)) != "none" && Space[SparsityName(u)] is Space.Range r && p.Number(SparsityName(u)) != r.Min)
                c = c.With(SparsityName(u), r.Min);
        return c;
    }

    /// <summary>The point that gives every unit <paramref name="setting"/> (uniform plans, sensitivity probes), with plan-wide choices from it.</summary>
    public Parameters Uniform(LayerSetting setting) => Point(_ => setting, setting);

    /// <summary>The point that gives each unit the setting <paramref name="of"/> returns; plan-wide choices come from <paramref name="global"/>.</summary>
    public Parameters Point(Func<PlanUnit, LayerSetting> of, LayerSetting global)
    {
        var values = new List<KeyValuePair<string, object>>();
        foreach (var u in Units)
        {
            var s = of(u);
            values.Add(new(SparsityName(u), s.Sparsity));
            values.Add(new(BitsName(u), s.Bits is int b ? b.ToString(CultureInfo.InvariantCulture) : "none"));
        }
        values.Add(new(PrunerParameter, global.Pruner));
        values.Add(new(QuantizerParameter, global.Quantizer));
        values.Add(new(GroupSizeParameter, global.GroupSize.ToString(CultureInfo.InvariantCulture)));
        return new Parameters(values);
    }
}
