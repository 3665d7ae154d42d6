using System.Globalization;

namespace MLNet.Compression.Cli.Parsing;

/// <summary>
/// The value of --checkpoint-fractions (`demo`, `train`): fractions of a training run in (0, 1] separated by commas, after
/// each of which a checkpoint is saved.
/// </summary>
public static class CheckpointFractions
{
    /// <summary>The option's name, for messages.</summary>
    public const string OptionName = "--checkpoint-fractions";

    /// <summary>The fractions in <paramref name="text"/>, or null when the option was not given.</summary>
    /// <exception cref="UsageException">a part is not a number in (0, 1], or no part is given.</exception>
    public static IReadOnlyList<double>? Parse(string? text)
    {
        if (text is null) return null;
        var list = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) || !(f > 0 && f <= 1))
                throw new UsageException($"{OptionName}: \"{part}\" (expected fractions in (0, 1] separated by commas, e.g. 0.1,0.2,0.4,1).");
            list.Add(f);
        }
        if (list.Count == 0) throw new UsageException($"{OptionName}: no fraction given (expected e.g. 0.1,0.2,0.4,1).");
        return list;
    }
}
