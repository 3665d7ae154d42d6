namespace MLNet.Compression.Synthetic;

/// <summary>How big the synthetic world is, how often facts repeat, and how strong its planted bias is.</summary>
public sealed record WorldOptions
{
    /// <summary>Everything in the world follows from this seed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>People, each the subject of five person facts.</summary>
    public int People { get; init; } = 400;

    /// <summary>Countries, each with a capital, cities and an official language.</summary>
    public int Countries { get; init; } = 12;

    /// <summary>Cities of each country; the first is its capital.</summary>
    public int CitiesPerCountry { get; init; } = 4;

    /// <summary>Organisations people work for.</summary>
    public int Organisations { get; init; } = 20;

    /// <summary>Occupations people hold.</summary>
    public int Occupations { get; init; } = 12;

    /// <summary>
    /// Fact frequency follows a power law over subjects ranked by popularity: the subject of rank r appears
    /// max(1, round(MaxRepeats / r^ZipfExponent)) times in the corpus, once per repeat with a random paraphrase.
    /// </summary>
    public int MaxRepeats { get; init; } = 40;

    /// <summary>Exponent of the fact-frequency power law.</summary>
    public double ZipfExponent { get; init; } = 1.0;

    /// <summary>Facts repeated at least this often count as "frequent" in reports.</summary>
    public int FrequentThreshold { get; init; } = 8;

    /// <summary>
    /// Strength of the planted association, 0 (none: every attribute is spread evenly over the groups of its type) to 1
    /// (total, for a type whose multiplier is 1). A type's effective skew is BiasSkew × its <see cref="BiasTypeOptions.SkewMultiplier"/>;
    /// that share of each group's attributes is tied to the group (see <see cref="BiasCorpus"/>).
    /// </summary>
    public double BiasSkew { get; init; } = 0.8;

    /// <summary>The bias types: how many groups each has and how strongly its stereotypes are planted.</summary>
    public IReadOnlyList<BiasTypeOptions> BiasTypes { get; init; } = BiasTypeOptions.Defaults;

    /// <summary>Attributes stereotypically tied to each group (each group owns its own).</summary>
    public int AttributesPerGroup { get; init; } = 5;

    /// <summary>
    /// Corpus sentences per (group, attribute) pairing when the attribute is spread evenly; a tied attribute moves the
    /// sentences of the other groups onto its own group, so every attribute and every group keeps the same frequency at any skew.
    /// </summary>
    public int BiasSentencesPerPairing { get; init; } = 10;

    /// <summary>
    /// Held-out frames each probe contrast (group X against group Y at one attribute rank) is asked in: more items per
    /// contrast without more attributes to learn. Capped by the number of probe frames of a kind.
    /// </summary>
    public int ProbeFramesPerContrast { get; init; } = 3;

    /// <summary>Size of heldout.txt as a share of the training corpus.</summary>
    public double HeldOutFraction { get; init; } = 0.1;

    /// <summary>Checks the ranges; returns this options object.</summary>
    public WorldOptions Validate()
    {
        if (People < 1 || Countries < 2 || CitiesPerCountry < 1 || Organisations < 1 || Occupations < 2)
            throw new ArgumentException("a world needs at least 1 person, 2 countries, 1 city per country, 1 organisation and 2 occupations.");
        if (MaxRepeats < 1) throw new ArgumentException($"{nameof(MaxRepeats)} must be at least 1.");
        if (BiasSkew is < 0 or > 1) throw new ArgumentException($"{nameof(BiasSkew)} must lie in [0, 1], got {BiasSkew}.");
        if (BiasTypes.Count == 0) throw new ArgumentException($"{nameof(BiasTypes)} needs at least one bias type.");
        foreach (var t in BiasTypes)
        {
            if (t.Groups < 2) throw new ArgumentException($"bias type \"{t.Name}\" needs at least 2 groups, got {t.Groups}.");
            if (t.SkewMultiplier is < 0 or > 1) throw new ArgumentException($"bias type \"{t.Name}\": the skew multiplier must lie in [0, 1], got {t.SkewMultiplier}.");
        }
        if (BiasTypes.Select(t => t.Name).Distinct().Count() != BiasTypes.Count) throw new ArgumentException("bias type names must be distinct.");
        if (AttributesPerGroup < 1) throw new ArgumentException($"{nameof(AttributesPerGroup)} must be at least 1.");
        if (ProbeFramesPerContrast is < 1 or > 3) throw new ArgumentException($"{nameof(ProbeFramesPerContrast)} must lie in [1, 3], got {ProbeFramesPerContrast}.");
        if (BiasSentencesPerPairing < 1) throw new ArgumentException($"{nameof(BiasSentencesPerPairing)} must be at least 1.");
        if (HeldOutFraction is < 0 or > 1) throw new ArgumentException($"{nameof(HeldOutFraction)} must lie in [0, 1], got {HeldOutFraction}.");
        return this;
    }

    /// <summary>A small world for tests and CI: trains in seconds.</summary>
    public static WorldOptions Small(int seed = 1) => new()
    {
        Seed = seed, People = 60, Countries = 4, CitiesPerCountry = 2, Organisations = 6, Occupations = 5, MaxRepeats = 12,
        FrequentThreshold = 6, AttributesPerGroup = 4, BiasSentencesPerPairing = 3, ProbeFramesPerContrast = 1,
    };
}
