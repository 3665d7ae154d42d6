namespace MLNet.Compression.Evaluation.Statistics;

/// <summary>
/// A compressed model against its base on the same items: how many items changed each way, the change of the statistic,
/// and a two-sided p-value for "no change".
/// </summary>
/// <param name="Items">items compared (present in both)</param>
/// <param name="Gained">items the compressed model gets right (or prefers the stereotype on) that the base did not</param>
/// <param name="Lost">items the base got right (or preferred the stereotype on) that the compressed model does not</param>
/// <param name="Delta">statistic of the compressed model minus that of the base</param>
/// <param name="PValue">two-sided p-value of the test named by <paramref name="Test"/></param>
/// <param name="Test">"exact sign test" or "paired bootstrap"</param>
public sealed record PairedComparison(int Items, int Gained, int Lost, double Delta, double PValue, string Test);
