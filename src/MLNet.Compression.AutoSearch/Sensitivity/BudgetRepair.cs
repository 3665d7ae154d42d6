using System.Globalization;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Sensitivity;

/// <summary>
/// Brings a proposed point inside the size budget before it is run, since its size is known without running it: while the
/// predicted bytes exceed the limit, the unit whose next smaller setting costs the least predicted loss per byte saved
/// (from the sensitivity table; without one, the unit that saves the most bytes) takes that setting. A tuner's step that
/// only adds bytes thus lands on the budget's edge instead of being wasted as an infeasible trial; the stored trial holds
/// the repaired point, so tuners learn from what was run. Settings come from the space's own choices, so the repaired
/// point stays in the space.
/// </summary>
public sealed class BudgetRepair(CompressionSpace space, SensitivityTable? table, long searchedLimit)
{
    /// <summary><paramref name="p"/> itself when it fits (or cannot be made to fit); else the repaired point.</summary>
    public Parameters Repair(Parameters p)
    {
        if (searchedLimit == long.MaxValue) return p;
        var plan = space.Plan(p);
        long bytes = plan.SearchedBytes;
        if (bytes <= searchedLimit) return p;
        var current = p;
        for (int guard = 0; guard < 8 * space.Units.Count && bytes > searchedLimit; guard++)
        {
            var currentPlan = space.Plan(current);
            (Parameters Point, long Bytes, double Cost)? bestStep = null;
            foreach (var unit in space.Units)
            {
                var setting = currentPlan.Settings[unit.Layers[0]];
                long unitBytes = UnitBytes(unit, setting);
                // Each unit's own choices: the user may have narrowed some units' bit-widths or sparsity ranges.
                var bitsChoices = space.Space[CompressionSpace.BitsName(unit)] is Choice c ? c.Options : [];
                double lowest = space.Space[CompressionSpace.SparsityName(unit)] is Space.Range r ? r.Min : 0;
                foreach (var smaller in Smaller(setting, bitsChoices))
                {
                    var next = current.With(CompressionSpace.BitsName(unit), smaller.Bits).With(CompressionSpace.SparsityName(unit), lowest);
                    long saved = unitBytes - UnitBytes(unit, space.Plan(next).Settings[unit.Layers[0]]);
                    if (saved <= 0) continue;
                    double cost = table is null ? -saved : Math.Max(0, Delta(unit, smaller.BitsValue, smaller.Sparsity) - Delta(unit, setting.Bits, setting.Sparsity)) / saved;
                    if (bestStep is null || cost < bestStep.Value.Cost) bestStep = (next, bytes - saved, cost);
                }
            }
            if (bestStep is null) return p;
            (current, bytes) = (bestStep.Value.Point, bestStep.Value.Bytes);
        }
        return bytes <= searchedLimit ? current : p;
    }

    private long UnitBytes(PlanUnit unit, LayerSetting s) => unit.Layers.Sum(l => LayerBytes.Of(space.Layers[l], s));

    /// <summary>
    /// The unit's smaller bit-widths of the space, sparsity reset to 0 (a quantized layer is stored dense, so pruning it
    /// first would cost knowledge and save nothing). Every one is offered, not only the next: a sparse float layer may be
    /// smaller than at 16 bits but larger than at 8.
    /// </summary>
    private static IEnumerable<(string Bits, int? BitsValue, double Sparsity)> Smaller(LayerSetting s, IReadOnlyList<string> choices)
    {
        int Width(string b) => b == "none" ? 32 : int.Parse(b, CultureInfo.InvariantCulture);
        int now = s.Bits ?? 32;
        foreach (var lower in choices.Where(b => b != "none" && Width(b) < now))
            yield return (lower, Width(lower), 0);
    }

    /// <summary>The table's predicted loss increase of a unit at (bits, sparsity): the probe with the same bits, the nearest sparsity.</summary>
    private double Delta(PlanUnit unit, int? bits, double sparsity)
    {
        var probes = table!.Units.FirstOrDefault(u => u.Unit == unit.Name)?.Probes;
        if (probes is null) return 0;
        var same = probes.Where(x => x.Bits == bits).ToList();
        if (same.Count == 0) return 0;
        return same.OrderBy(x => Math.Abs(x.Sparsity - sparsity)).First().Delta;
    }
}
