namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>
/// What a compression search may choose (docs/AUTOSEARCH.md, "Search space"): per unit (layer, or block × module group) a
/// sparsity in [<see cref="MinSparsity"/>, <see cref="MaxSparsity"/>] in steps of <see cref="SparsityStep"/> and a bit-width
/// from <see cref="Bits"/>; for the whole plan one pruner, one quantizer and one group size. A list of one value fixes the choice.
/// </summary>
public sealed record CompressionSpaceOptions
{
    /// <summary>Layer (default) or BlockGroup.</summary>
    public PlanGranularity Granularity { get; init; } = PlanGranularity.Layer;

    /// <summary>Which linear layers are searched: a module group (attention, ffn, all, …) or a regular expression. Default all (every layer but the LM head).</summary>
    public string Groups { get; init; } = "all";

    /// <summary>Lowest sparsity. Default 0.</summary>
    public double MinSparsity { get; init; }

    /// <summary>Highest sparsity. Default 0.95.</summary>
    public double MaxSparsity { get; init; } = 0.95;

    /// <summary>Sparsities are searched in steps of this. Default 0.05.</summary>
    public double SparsityStep { get; init; } = 0.05;

    /// <summary>Pruning methods: magnitude, wanda, sparsegpt, nm (2:4 where a unit's sparsity is at least 0.5). Default all four.</summary>
    public IReadOnlyList<string> Pruners { get; init; } = ["magnitude", "wanda", "sparsegpt", "nm"];

    /// <summary>Bit-widths per unit: none (float32), 16, 8, 4, 3, 2. Default all six.</summary>
    public IReadOnlyList<string> Bits { get; init; } = ["none", "16", "8", "4", "3", "2"];

    /// <summary>Quantizers: rtn, gptq, dynamic-int8 (8 bits only; lower bit-widths then use rtn). Default all three.</summary>
    public IReadOnlyList<string> Quantizers { get; init; } = ["rtn", "gptq", "dynamic-int8"];

    /// <summary>Group sizes of rtn and gptq (-1: one group per row). Default 128.</summary>
    public IReadOnlyList<int> GroupSizes { get; init; } = [128];

    /// <summary>The methods of these options that need calibration text (wanda, sparsegpt, gptq).</summary>
    public IEnumerable<string> NeedingCalibration()
        => Pruners.Where(p => p is "wanda" or "sparsegpt").Concat(Quantizers.Where(q => q == "gptq"));

    /// <summary>The same options without the methods that need calibration text (when the user gives none).</summary>
    public CompressionSpaceOptions WithoutCalibrationMethods() => this with
    {
        Pruners = Pruners.Where(p => p is not ("wanda" or "sparsegpt")).DefaultIfEmpty("magnitude").ToList(),
        Quantizers = Quantizers.Where(q => q != "gptq").DefaultIfEmpty("rtn").ToList(),
    };
}
