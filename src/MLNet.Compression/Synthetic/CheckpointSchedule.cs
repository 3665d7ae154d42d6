namespace MLNet.Compression.Synthetic;

/// <summary>
/// The training steps at which checkpoints are saved, from fractions of the run, and the folder each goes to
/// (checkpoints/step-000150/ for step 150), so bias can be followed across pretraining progress (Gonçalves &amp; Strubell 2023).
/// </summary>
public static class CheckpointSchedule
{
    /// <summary>The folder, under a model folder, that holds the checkpoints.</summary>
    public const string Folder = "checkpoints";

    /// <summary>Distinct steps, ascending: each fraction f in (0, 1] becomes max(1, round(f · totalSteps)).</summary>
    public static IReadOnlyList<int> Steps(IReadOnlyList<double> fractions, int totalSteps)
    {
        foreach (double f in fractions)
            if (!(f > 0 && f <= 1)) throw new ArgumentException($"checkpoint fractions must lie in (0, 1], got {f}.");
        return fractions.Select(f => Math.Max(1, (int)Math.Round(f * totalSteps))).Distinct().Order().ToList();
    }

    /// <summary>The checkpoint folder name of a step: step-000150.</summary>
    public static string Name(int step) => $"step-{step:D6}";
}
