using MLNet.Compression.AutoSearch.Space;

namespace MLNet.Compression.AutoSearch.Tuners;

/// <summary>The tuners by name, as the CLI and study files spell them: random, cfo, tpe, nsga2.</summary>
public static class TunerCatalog
{
    private static readonly (string Name, Func<SearchSpace, TunerOptions, ITuner> Create)[] Entries =
    [
        ("random", (s, o) => new RandomTuner(s, o)),
        ("cfo", (s, o) => new CfoTuner(s, o)),
        ("tpe", (s, o) => new TpeTuner(s, o)),
        ("nsga2", (s, o) => new Nsga2Tuner(s, o)),
    ];

    /// <summary>The known names, in the order above.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>Throws the error <see cref="Create"/> would for an unknown <paramref name="name"/>, without building a tuner.</summary>
    public static void Check(string name, string where)
    {
        if (!Entries.Any(e => string.Equals(e.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"{where}: unknown tuner '{name}' (known: {string.Join(", ", Names)}).");
    }

    /// <summary>The tuner called <paramref name="name"/> (case-insensitive); <paramref name="where"/> starts the message of an unknown name.</summary>
    public static ITuner Create(string name, SearchSpace space, TunerOptions options, string where)
    {
        Check(name, where);
        return Entries.First(e => string.Equals(e.Name, name.Trim(), StringComparison.OrdinalIgnoreCase)).Create(space, options);
    }
}
