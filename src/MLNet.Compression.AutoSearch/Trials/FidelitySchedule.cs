using System.Globalization;

namespace MLNet.Compression.AutoSearch.Trials;

/// <summary>
/// Multi-fidelity rungs (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning", ASHA): a trial is
/// measured on a share of the search split's items, and goes on to the next, larger share only while its loss is in the
/// best 1/<see cref="Eta"/> of the trials measured at that rung. The last rung is the whole search split. Default shares
/// 1/9, 1/3, 1 with η = 3, so most trials cost a ninth of a full evaluation.
/// </summary>
public sealed record FidelitySchedule(IReadOnlyList<double> Fractions, int Eta = 3)
{
    public static FidelitySchedule Default { get; } = new([1.0 / 9, 1.0 / 3, 1.0]);

    /// <summary>One rung: every trial is measured on the whole search split.</summary>
    public static FidelitySchedule Full { get; } = new([1.0]);

    public int Count => Fractions.Count;

    /// <summary>Throws when the fractions are not increasing in (0, 1] ending at 1, or η &lt; 2.</summary>
    public void Validate(string where)
    {
        if (Fractions.Count == 0 || Fractions[^1] != 1 || Fractions.Any(f => !(f > 0 && f <= 1)) || Fractions.Zip(Fractions.Skip(1)).Any(p => p.First >= p.Second))
            throw new ArgumentException($"{where}: fidelities {string.Join(",", Fractions.Select(f => f.ToString("0.###", CultureInfo.InvariantCulture)))} (expected increasing shares in (0, 1] ending at 1, e.g. 0.11,0.33,1).");
        if (Eta < 2) throw new ArgumentException($"{where}: η = {Eta} (expected at least 2).");
    }

    /// <summary>
    /// ASHA's promotion rule, decided when the trial finishes the rung: promote when fewer than η trials have been
    /// measured there (too few to judge), or when its loss ranks within the best ⌊n/η⌋ of the n trials measured there.
    /// </summary>
    public bool Promote(double loss, IReadOnlyCollection<double> othersAtRung)
    {
        int n = othersAtRung.Count + 1;
        if (n < Eta) return true;
        int rank = 1 + othersAtRung.Count(o => o < loss);
        return rank <= Math.Max(1, n / Eta);
    }
}
