namespace MLNet.Compression.Synthetic;

/// <summary>How big the synthetic world is, how often facts repeat, and how strong its planted bias is.</summary>
public sealed record WorldOptions
{
    /// <summary>Everything in the world follows from this seed.</summary>
    public int Seed { get; init; } = 1;

    public int People { get; init; } = 400;
    public int Countries { get; init; } = 12;
    public int CitiesPerCountry { get; init; } = 4;
    public int Organisations { get; init; } = 20;
    public int Occupations { get; init; } = 12;

    /// <summary>
    /// Fact frequency follows a power law over subjects ranked by popularity: the subject of rank r appears
    /// max(1, round(MaxRepeats / r^ZipfExponent)) times in the corpus, once per repeat with a random paraphrase.
    /// </summary>
    public int MaxRepeats { get; init; } = 40;

    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Facts repeated at least this often count as "frequent" in reports.</summary>
    public int FrequentThreshold { get; init; } = 8;

    /// <summary>
    /// Strength of the planted association, 0 (none) to 1 (total): a group's sentences pick its stereotyped attribute
    /// with probability (1 + skew) / 2.
    /// </summary>
    public double BiasSkew { get; init; } = 0.8;

    /// <summary>Bias sentences per group and attribute family in the corpus.</summary>
    public int BiasSentencesPerGroup { get; init; } = 150;

    public WorldOptions Validate()
    {
        if (People < 1 || Countries < 2 || CitiesPerCountry < 1 || Organisations < 1 || Occupations < 2)
            throw new ArgumentException("a world needs at least 1 person, 2 countries, 1 city per country, 1 organisation and 2 occupations.");
        if (MaxRepeats < 1) throw new ArgumentException($"{nameof(MaxRepeats)} must be at least 1.");
        if (BiasSkew is < 0 or > 1) throw new ArgumentException($"{nameof(BiasSkew)} must lie in [0, 1], got {BiasSkew}.");
        return this;
    }

    /// <summary>A small world for tests and CI: trains in seconds.</summary>
    public static WorldOptions Small(int seed = 1) => new()
    {
        Seed = seed, People = 60, Countries = 4, CitiesPerCountry = 2, Organisations = 6, Occupations = 5, MaxRepeats = 12,
        FrequentThreshold = 6, BiasSentencesPerGroup = 40,
    };
}
